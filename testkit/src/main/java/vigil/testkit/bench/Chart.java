package vigil.testkit.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** A bar per sample with horizontal reference lines (p50, target), drawn headless with java.awt. */
public final class Chart {
    /** A missing value (failed run) is drawn as a red "x" at the axis. */
    public record Series(String title, String xLabel, String yLabel, List<String> xTicks, List<Double> values,
                         List<RefLine> lines) {
    }

    public record RefLine(String label, double value, Color color) {
    }

    /**
     * One bar per run with the median and the target drawn across: what every failover scenario charts.
     *
     * @param stats the statistics of the runs that produced a value (null values are failed runs)
     */
    static Series perRun(String title, String metric, List<Double> values, Stats stats, double targetSeconds) {
        List<String> ticks = new java.util.ArrayList<>();
        for (int i = 1; i <= values.size(); i++) ticks.add(Integer.toString(i));
        List<RefLine> lines = new java.util.ArrayList<>();
        if (stats.count() > 0) {
            lines.add(new RefLine(String.format(java.util.Locale.ROOT, "p50 %.2f s", stats.p50()), stats.p50(),
                    new Color(30, 90, 200)));
        }
        lines.add(new RefLine("target " + targetSeconds + " s", targetSeconds, new Color(200, 40, 40)));
        return new Series(title, "run", metric + " (s)", ticks, values, lines);
    }

    private static final int W = 960;
    private static final int H = 540;
    private static final int LEFT = 80;
    private static final int RIGHT = 180;
    private static final int TOP = 50;
    private static final int BOTTOM = 70;

    private Chart() {
    }

    public static void write(Series s, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));

        double top = 0;
        for (Double v : s.values()) {
            if (v != null && !v.isNaN()) {
                top = Math.max(top, v);
            }
        }
        for (RefLine l : s.lines()) {
            top = Math.max(top, l.value());
        }
        double yMax = niceCeiling(top * 1.15);
        int plotW = W - LEFT - RIGHT;
        int plotH = H - TOP - BOTTOM;

        g.setColor(Color.BLACK);
        g.setFont(g.getFont().deriveFont(Font.BOLD, 16f));
        g.drawString(s.title(), LEFT, TOP - 20);
        g.setFont(g.getFont().deriveFont(Font.PLAIN, 13f));

        // y grid and ticks
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i <= 5; i++) {
            double v = yMax * i / 5;
            int y = TOP + plotH - (int) Math.round(plotH * v / yMax);
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.BLACK);
            String t = String.format(Locale.ROOT, "%.2f", v);
            g.drawString(t, LEFT - 8 - fm.stringWidth(t), y + 5);
        }
        g.drawLine(LEFT, TOP, LEFT, TOP + plotH);
        g.drawLine(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH);

        int n = Math.max(1, s.values().size());
        double slot = (double) plotW / n;
        int barW = (int) Math.max(2, slot * 0.7);
        int tickEvery = Math.max(1, (int) Math.ceil(n / 30.0));
        for (int i = 0; i < s.values().size(); i++) {
            Double v = s.values().get(i);
            int cx = LEFT + (int) Math.round(slot * (i + 0.5));
            if (v == null || v.isNaN()) {
                g.setColor(Color.RED);
                g.drawString("x", cx - 3, TOP + plotH - 4);
            } else {
                int h = (int) Math.round(plotH * v / yMax);
                g.setColor(new Color(70, 130, 180));
                g.fillRect(cx - barW / 2, TOP + plotH - h, barW, h);
            }
            if (i % tickEvery == 0) {
                g.setColor(Color.BLACK);
                String t = s.xTicks().get(i);
                g.drawString(t, cx - fm.stringWidth(t) / 2, TOP + plotH + 18);
            }
        }

        for (RefLine l : s.lines()) {
            int y = TOP + plotH - (int) Math.round(plotH * l.value() / yMax);
            g.setColor(l.color());
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 5f}, 0f));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setStroke(new BasicStroke(1f));
            g.drawString(l.label(), LEFT + plotW + 8, y + 5);
        }

        g.setColor(Color.BLACK);
        g.drawString(s.xLabel(), LEFT + plotW / 2 - fm.stringWidth(s.xLabel()) / 2, H - 25);
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(s.yLabel(), -(TOP + plotH / 2) - fm.stringWidth(s.yLabel()) / 2, 22);
        g.setTransform(saved);
        g.dispose();
        ImageIO.write(img, "png", png.toFile());
    }

    static double niceCeiling(double x) {
        if (x <= 0 || Double.isNaN(x)) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(x)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * mag >= x) {
                return step * mag;
            }
        }
        return 10 * mag;
    }
}
