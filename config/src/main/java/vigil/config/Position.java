package vigil.config;

/** 1-based line and column in the config file; {@link #NONE} for the file as a whole. */
record Position(int line, int column) {
    static final Position NONE = new Position(0, 0);
    static final Position START = new Position(1, 1);
}
