package vigil.testkit.bench;

/**
 * {@link NodeCrash} with every node's HTTP endpoint on ({@code node.http}) and a rate-limited client asking all of
 * them throughout ({@link HttpLoad}, 100 requests a second, a new connection each, /metrics among them): the node
 * crash's figures should not move (issue 9: node-crash p50 within 0.1 s of the run without load).
 */
class NodeCrashHttpLoad extends NodeCrash {
    static final int REQUESTS_PER_SECOND = 100;

    @Override
    public String name() {
        return "node-crash-http-load";
    }

    @Override
    public String description() {
        return "node-crash with every node's HTTP endpoint asked " + REQUESTS_PER_SECOND + " times a second throughout";
    }

    @Override
    int httpLoad() {
        return REQUESTS_PER_SECOND;
    }
}
