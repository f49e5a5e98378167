package org.mriclassifier.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The evaluation pictures, as small PNGs: the confusion matrix, the ROC curve and the reliability diagram. */
public final class EvaluationCharts {

    private static final int WIDTH = 480;
    private static final int HEIGHT = 420;

    private EvaluationCharts() {
    }

    /** Rows: actual class; columns: predicted class; each cell shaded by its share of its row. */
    public static Path writeConfusionMatrix(BinaryMetrics m, String title, Path file) throws IOException {
        // x = predicted (0 healthy, 1 tumor), y = actual (1 healthy at the top, 0 tumor at the bottom)
        double[][] cells = {
            {0, 1, 0, 1},
            {1, 1, 0, 0},
            {rowShare(m.tn(), m.fp()), rowShare(m.fp(), m.tn()), rowShare(m.fn(), m.tp()), rowShare(m.tp(), m.fn())}
        };
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("counts", cells);
        XYBlockRenderer renderer = new XYBlockRenderer();
        LookupPaintScale scale = new LookupPaintScale(0, 1.0001, Color.WHITE);
        for (int step = 0; step <= 10; step++) {
            int shade = 255 - step * 16;
            scale.add(step / 10.0, new Color(shade, shade, 255));
        }
        renderer.setPaintScale(scale);
        SymbolAxis predicted = new SymbolAxis("Predicted", new String[] {"healthy", "tumor"});
        SymbolAxis actual = new SymbolAxis("Actual", new String[] {"tumor", "healthy"});
        XYPlot plot = new XYPlot(data, predicted, actual, renderer);
        addCount(plot, 0, 1, "TN " + m.tn());
        addCount(plot, 1, 1, "FP " + m.fp());
        addCount(plot, 0, 0, "FN " + m.fn());
        addCount(plot, 1, 0, "TP " + m.tp());
        JFreeChart chart = new JFreeChart(title + String.format(Locale.ROOT, "  (n=%d, accuracy %.3f)", m.n(), m.accuracy()),
                new Font(Font.SANS_SERIF, Font.BOLD, 13), plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return save(chart, file);
    }

    public static Path writeRoc(List<RocCurve.Point> curve, double auc, String title, Path file) throws IOException {
        XYSeries roc = new XYSeries(String.format(Locale.ROOT, "ROC (AUC %.4f)", auc), false, true);
        curve.forEach(p -> roc.add(p.falsePositiveRate(), p.truePositiveRate()));
        XYSeries chance = new XYSeries("chance", false, true);
        chance.add(0, 0);
        chance.add(1, 1);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(roc);
        data.addSeries(chance);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "False-positive rate (healthy called tumor)",
                "True-positive rate (tumors found)", data, PlotOrientation.VERTICAL, true, false, false);
        return save(curveAndDiagonal(chart, new Color(30, 80, 200), false), file);
    }

    /**
     * Reliability diagram: per probability bin, the share of tumors against the mean predicted probability; a
     * calibrated model lies on the diagonal. Points are drawn for bins holding images only.
     */
    public static Path writeReliability(int[] labels, float[] probabilities, String title, Path file) throws IOException {
        double ece = Calibrations.expectedCalibrationError(labels, probabilities);
        XYSeries observed = new XYSeries(String.format(Locale.ROOT, "observed (ECE %.4f, %d bins)", ece, Calibrations.ECE_BINS), false, true);
        for (double[] bin : Calibrations.reliability(labels, probabilities, Calibrations.ECE_BINS)) {
            if (bin[2] > 0) {
                observed.add(bin[0], bin[1]);
            }
        }
        XYSeries ideal = new XYSeries("calibrated", false, true);
        ideal.add(0, 0);
        ideal.add(1, 1);
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(observed);
        data.addSeries(ideal);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "Mean predicted tumor probability (bin)",
                "Share of tumors in the bin", data, PlotOrientation.VERTICAL, true, false, false);
        return save(curveAndDiagonal(chart, new Color(200, 80, 30), true), file);
    }

    /** Series 0 drawn as a solid curve (with points when asked), series 1 as a dashed grey diagonal, on the unit square. */
    private static JFreeChart curveAndDiagonal(JFreeChart chart, Color curve, boolean points) {
        XYPlot plot = chart.getXYPlot();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, points);
        renderer.setSeriesPaint(0, curve);
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesPaint(1, Color.GRAY);
        renderer.setSeriesShapesVisible(1, false);
        renderer.setSeriesStroke(1, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {4f, 4f}, 0f));
        plot.setRenderer(renderer);
        plot.getDomainAxis().setRange(0, 1);
        plot.getRangeAxis().setRange(0, 1.01);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static double rowShare(int cell, int otherInRow) {
        return cell + otherInRow == 0 ? 0 : (double) cell / (cell + otherInRow);
    }

    private static void addCount(XYPlot plot, double x, double y, String text) {
        XYTextAnnotation annotation = new XYTextAnnotation(text, x, y);
        annotation.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 22));
        plot.addAnnotation(annotation);
    }

    private static Path save(JFreeChart chart, Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
        return file;
    }
}
