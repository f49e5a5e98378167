package org.mriclassifier.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mriclassifier.vision.PreprocessSpec;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;

/** A graph and the session holding its trained weights; closing it frees both. */
public final class TrainedModel implements AutoCloseable {

    private final TrainingGraph graph;
    private final Session session;
    private final PreprocessSpec spec;
    private final TrainingResult result;

    private TrainedModel(TrainingGraph graph, Session session, PreprocessSpec spec, TrainingResult result) {
        this.graph = graph;
        this.session = session;
        this.spec = spec;
        this.result = result;
    }

    /** Builds a fresh network and trains it on {@code fit}, picking the epoch on {@code tuning} when it is not empty. */
    public static TrainedModel train(Architecture architecture, PreprocessSpec spec, HyperParameters hyper,
                                     List<Sample> fit, List<Sample> tuning, int threads) {
        return train(architecture, spec, hyper, fit, tuning, threads, null);
    }

    /**
     * As {@link #train(Architecture, PreprocessSpec, HyperParameters, List, List, int)}, but starting from the weights of
     * {@code initial} (fine-tuning) when it is not null: the graph is built from the same recipe, so its variables carry
     * the same names as the source's SavedModel checkpoint, which is restored over the fresh initialisation (the
     * network's weights and the optimiser's moments alike).
     *
     * @throws IllegalArgumentException when the source's variables do not fit the graph (another recipe)
     */
    public static TrainedModel train(Architecture architecture, PreprocessSpec spec, HyperParameters hyper,
                                     List<Sample> fit, List<Sample> tuning, int threads, FineTuneSource initial) {
        TrainingGraph graph = TrainingGraph.build(architecture, spec, hyper);
        ConfigProto config = ConfigProto.newBuilder()
                .setIntraOpParallelismThreads(threads)
                .setInterOpParallelismThreads(1)
                .build();
        Session session = new Session(graph.graph(), config);
        try {
            session.initialize();
            if (initial != null) {
                restore(session, initial);
            }
            TrainingResult result = new Trainer(graph, spec, hyper).train(session, fit, tuning);
            return new TrainedModel(graph, session, spec, result);
        } catch (RuntimeException e) {
            session.close();
            graph.close();
            throw e;
        }
    }

    private static void restore(Session session, FineTuneSource initial) {
        try {
            session.restore(initial.variablesPrefix().toString());
        } catch (org.tensorflow.exceptions.TensorFlowException e) {
            throw new IllegalArgumentException("--fine-tune-from " + initial.dir() + ": its variables do not fit a " + initial.architecture().name()
                    + " graph built from its model.json (a model from another version of train?): " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }

    /** Multiply-adds per image: half the network's FLOPs. */
    public long multiplyAdds() {
        return graph.multiplyAdds();
    }

    /** Length of the embedding the unfamiliar detector measures. */
    public int embeddingSize() {
        return (int) graph.embedding().shape().get(1);
    }

    public TrainingResult result() {
        return result;
    }

    public Evaluation evaluate(List<Sample> samples, double threshold) {
        return evaluate(samples, threshold, 1.0);
    }

    /** Scores as serving will give them: sigmoid(logit / temperature). */
    public Evaluation evaluate(List<Sample> samples, double threshold, double temperature) {
        float[] logits = outputs(samples).logits();
        return new Evaluation(samples, Calibrations.probabilities(logits, temperature), threshold);
    }

    SessionPredictor.Outputs outputs(List<Sample> samples) {
        return SessionPredictor.outputs(session, graph, samples.stream().map(Sample::pixels).toList(), spec.outputSize(), spec.channels());
    }

    /** Writes the SavedModel (variables + graph with the serving signature) into an empty or new folder. */
    public void exportSavedModel(Path dir) throws IOException {
        Files.createDirectories(dir);
        SavedModelBundle.exporter(dir.toString()).withSession(session).withSignature(graph.servingSignature()).export();
    }

    @Override
    public void close() {
        session.close();
        graph.close();
    }
}
