package org.mriclassifier.training;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.mriclassifier.vision.PreprocessSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Session.Runner;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat32;

/**
 * Runs mini-batch Adam epochs over the training side, augmenting it, and, when a tuning side is given, keeps the
 * weights of the epoch with the lowest tuning loss and stops after {@code patience} epochs without improvement
 * (with fine-tuning: first goes back to the best weights and continues at a tenth of the learning rate).
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final double PROBABILITY_FLOOR = 1e-7;
    private static final int RECALIBRATION_BATCHES = 32;

    private final TrainingGraph graph;
    private final PreprocessSpec spec;
    private final HyperParameters hyper;
    private final Augmenter augmenter;

    public Trainer(TrainingGraph graph, PreprocessSpec spec, HyperParameters hyper) {
        this.graph = graph;
        this.spec = spec;
        this.hyper = hyper;
        this.augmenter = new Augmenter(hyper.augment());
    }

    /** Trains the session's variables in place; they end holding the kept epoch's weights. */
    public TrainingResult train(Session session, List<Sample> trainSide, List<Sample> tuningSide) {
        Path checkpoints = createCheckpointDir();
        String best = checkpoints.resolve("best").toString();
        List<EpochRecord> history = new ArrayList<>();
        EpochSelection selection = new EpochSelection(hyper.warmUpEpochs(), hyper.patience(), hyper.fineTune());
        double totalSeconds = 0;
        Random random = new Random(hyper.seed());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < trainSide.size(); i++) {
            order.add(i);
        }
        try (TFloat32 trainingMode = TFloat32.scalarOf(1f)) {
            for (int epoch = 1; epoch <= hyper.epochs(); epoch++) {
                long start = System.nanoTime();
                java.util.Collections.shuffle(order, random);
                double[] lossAndAccuracy = runEpoch(session, trainSide, order, random, trainingMode,
                        selection.fineTuning() ? graph.fineTuneStep() : graph.trainStep());
                recalibrateStatistics(session, trainSide, order, trainingMode);
                EpochRecord record = tuningSide.isEmpty()
                        ? new EpochRecord(epoch, lossAndAccuracy[0], lossAndAccuracy[1], Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0)
                        : withTuning(session, epoch, lossAndAccuracy, tuningSide);
                double seconds = (System.nanoTime() - start) / 1e9;
                totalSeconds += seconds;
                record = record.took(seconds);
                history.add(record);
                if (tuningSide.isEmpty()) {
                    logProgress(record, totalSeconds / epoch, false);
                    continue;
                }
                boolean improved = selection.offer(epoch, record.selectionLoss());
                if (improved) {
                    session.save(best);
                }
                logProgress(record, totalSeconds / epoch, improved);
                EpochSelection.Next next = selection.next(epoch);
                if (next == EpochSelection.Next.FINE_TUNE) {
                    session.restore(best);
                    LOG.info("Tuning loss stalled: back to epoch {}, continuing at learning rate {}", selection.keptEpoch(),
                            hyper.learningRate() * TrainingGraph.FINE_TUNE_RATE_FACTOR);
                } else if (next == EpochSelection.Next.STOP) {
                    LOG.info("Stopping early: no better tuning loss for {} epochs; keeping epoch {}", hyper.patience(), selection.keptEpoch());
                    break;
                }
            }
            if (tuningSide.isEmpty()) {
                return new TrainingResult(List.copyOf(history), history.size(), totalSeconds / history.size());
            }
            session.restore(best);
            return new TrainingResult(List.copyOf(history), selection.keptEpoch(), totalSeconds / history.size());
        } finally {
            deleteRecursively(checkpoints);
        }
    }

    private double[] runEpoch(Session session, List<Sample> trainSide, List<Integer> order, Random random, TFloat32 trainingMode, Op step) {
        double lossSum = 0;
        int correct = 0;
        for (int start = 0; start < order.size(); start += hyper.batchSize()) {
            List<Integer> batchIndices = order.subList(start, Math.min(order.size(), start + hyper.batchSize()));
            List<float[]> images = new ArrayList<>(batchIndices.size());
            float[] labels = new float[batchIndices.size()];
            for (int i = 0; i < batchIndices.size(); i++) {
                Sample sample = trainSide.get(batchIndices.get(i));
                images.add(augmenter.apply(sample.pixels(), spec.outputSize(), spec.channels(), random));
                labels[i] = sample.label().value();
            }
            try (TFloat32 imageTensor = Batches.images(images, spec.outputSize(), spec.channels());
                 TFloat32 labelTensor = Batches.labels(labels);
                 Result result = trainingStep(session, imageTensor, labelTensor, trainingMode, step).run()) {
                lossSum += ((TFloat32) result.get(0)).getFloat() * labels.length;
                float[] scores = Batches.column((TFloat32) result.get(1));
                for (int i = 0; i < labels.length; i++) {
                    correct += (scores[i] >= 0.5f) == (labels[i] == 1f) ? 1 : 0;
                }
            }
        }
        return new double[] {lossSum / order.size(), (double) correct / order.size()};
    }

    /**
     * Batch norm's moving statistics lag behind weights that still change fast (a few hundred steps on a small data
     * set left a fold predicting one class). Re-estimating them for the final weights of the epoch, as the exact
     * mean over up to {@value #RECALIBRATION_BATCHES} unaugmented training batches, makes serving match training.
     */
    private void recalibrateStatistics(Session session, List<Sample> trainSide, List<Integer> order, TFloat32 trainingMode) {
        if (!graph.hasBatchNorm()) {
            return;
        }
        int batches = 0;
        for (int start = 0; start < order.size() && batches < RECALIBRATION_BATCHES; start += hyper.batchSize(), batches++) {
            List<float[]> images = order.subList(start, Math.min(order.size(), start + hyper.batchSize())).stream()
                    .map(i -> trainSide.get(i).pixels()).toList();
            try (TFloat32 imageTensor = Batches.images(images, spec.outputSize(), spec.channels());
                 TFloat32 keep = TFloat32.scalarOf(batches / (batches + 1f))) {
                Runner runner = session.runner().feed(graph.images(), imageTensor).feed(graph.training(), trainingMode)
                        .feed(graph.statisticsKeep(), keep);
                graph.statisticUpdates().forEach(runner::addTarget);
                runner.run().close();
            }
        }
    }

    private Runner trainingStep(Session session, TFloat32 images, TFloat32 labels, TFloat32 trainingMode, Op step) {
        Runner runner = session.runner()
                .feed(graph.images(), images)
                .feed(graph.labels(), labels)
                .feed(graph.training(), trainingMode)
                .addTarget(step)
                .fetch(graph.loss())
                .fetch(graph.probability());
        for (Op update : graph.statisticUpdates()) {
            runner.addTarget(update);
        }
        return runner;
    }

    private EpochRecord withTuning(Session session, int epoch, double[] lossAndAccuracy, List<Sample> tuningSide) {
        float[] scores = SessionPredictor.predict(session, graph, tuningSide.stream().map(Sample::pixels).toList(),
                spec.outputSize(), spec.channels());
        int[] labels = tuningSide.stream().mapToInt(s -> s.label().value()).toArray();
        BinaryMetrics metrics = BinaryMetrics.of(labels, scores, 0.5);
        double pooled = crossEntropy(labels, scores);
        double selection = hyper.perSourceEpochChoice() ? meanPerSourceLoss(tuningSide, labels, scores) : pooled;
        return new EpochRecord(epoch, lossAndAccuracy[0], lossAndAccuracy[1], pooled,
                metrics.accuracy(), metrics.auc(), selection, 0);
    }

    /** The mean over data sets of each one's cross-entropy on the tuning side: every source weighs the same. */
    static double meanPerSourceLoss(List<Sample> tuningSide, int[] labels, float[] scores) {
        java.util.Map<String, List<Integer>> bySource = new java.util.TreeMap<>();
        for (int i = 0; i < tuningSide.size(); i++) {
            bySource.computeIfAbsent(tuningSide.get(i).dataset(), k -> new ArrayList<>()).add(i);
        }
        double sum = 0;
        for (List<Integer> members : bySource.values()) {
            int[] sourceLabels = members.stream().mapToInt(i -> labels[i]).toArray();
            float[] sourceScores = new float[members.size()];
            for (int j = 0; j < sourceScores.length; j++) {
                sourceScores[j] = scores[members.get(j)];
            }
            sum += crossEntropy(sourceLabels, sourceScores);
        }
        return sum / bySource.size();
    }

    static double crossEntropy(int[] labels, float[] scores) {
        double sum = 0;
        for (int i = 0; i < labels.length; i++) {
            double p = Math.min(1 - PROBABILITY_FLOOR, Math.max(PROBABILITY_FLOOR, scores[i]));
            sum -= labels[i] == 1 ? Math.log(p) : Math.log(1 - p);
        }
        return sum / labels.length;
    }

    private void logProgress(EpochRecord record, double meanSeconds, boolean improved) {
        double secondsLeft = meanSeconds * (hyper.epochs() - record.epoch());
        if (Double.isNaN(record.tuningLoss())) {
            LOG.info("epoch {}/{}  loss {}  accuracy {}  {} s/epoch, at most {} left",
                    record.epoch(), hyper.epochs(), fmt(record.trainLoss()), fmt(record.trainAccuracy()),
                    Math.round(record.seconds()), duration(secondsLeft));
        } else {
            String perSource = hyper.perSourceEpochChoice() ? "  per-source loss " + fmt(record.selectionLoss()) : "";
            LOG.info("epoch {}/{}  loss {}  accuracy {}  | tuning loss {}  accuracy {}  AUC {}{}{}  {} s/epoch, at most {} left",
                    record.epoch(), hyper.epochs(), fmt(record.trainLoss()), fmt(record.trainAccuracy()),
                    fmt(record.tuningLoss()), fmt(record.tuningAccuracy()), fmt(record.tuningAuc()), perSource, improved ? " (best)" : "",
                    Math.round(record.seconds()), duration(secondsLeft));
        }
    }

    private static String fmt(double value) {
        return String.format(java.util.Locale.ROOT, "%.4f", value);
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s >= 60 ? (s / 60) + " min " + (s % 60) + " s" : s + " s";
    }

    private static Path createCheckpointDir() {
        try {
            return Files.createTempDirectory("mri-train-checkpoint");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a checkpoint folder", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            LOG.warn("Could not delete checkpoint folder {}: {}", dir, e.getMessage());
        }
    }
}
