package org.mriclassifier.training;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mriclassifier.vision.PreprocessSpec;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/** A graph and the session holding its trained weights; closing it frees both. */
public final class TrainedModel implements AutoCloseable {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TrainedModel.class);

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
                restore(graph, session, initial);
            }
            TrainingResult result = new Trainer(graph, spec, hyper).train(session, fit, tuning);
            return new TrainedModel(graph, session, spec, result);
        } catch (RuntimeException e) {
            session.close();
            graph.close();
            throw e;
        }
    }

    private static void restore(TrainingGraph graph, Session session, FineTuneSource initial) {
        try {
            session.restore(initial.variablesPrefix().toString());
        } catch (org.tensorflow.exceptions.TensorFlowException e) {
            // a model from an older train (no second Adam's slots, say): its network's variables, by name, are enough
            LOG.info("The checkpoint of {} does not cover this graph ({}); restoring its variables one by one by name", initial.dir(),
                    firstLine(e.getMessage()));
            restoreByName(graph, session, initial);
        }
    }

    /** Adam's moments and step powers: a fresh one is a fresh start of the optimiser, not of the network. */
    private static boolean optimizerSlot(String name) {
        return name.matches(".*-[mv](_\\d+)?") || name.matches("beta[12]_power(_\\d+)?");
    }

    /**
     * Copies every variable of the training graph that the source's SavedModel holds under the same name and shape;
     * variables it lacks keep their fresh initialisation when they are optimiser slots, and are refused otherwise.
     */
    @SuppressWarnings("unchecked")
    private static void restoreByName(TrainingGraph graph, Session session, FineTuneSource initial) {
        List<org.tensorflow.GraphOperation> variables = new java.util.ArrayList<>();
        graph.graph().operations().forEachRemaining(op -> {
            if (op.type().equals("VariableV2")) {
                variables.add(op);
            }
        });
        List<String> unfit = new java.util.ArrayList<>();
        int restored = 0;
        try (SavedModelBundle bundle = SavedModelBundle.load(initial.dir().toString(), SavedModelBundle.DEFAULT_TAG)) {
            org.tensorflow.op.Ops tf = org.tensorflow.op.Ops.create(graph.graph()).withSubScope("fine_tune_restore");
            for (org.tensorflow.GraphOperation variable : variables) {
                org.tensorflow.GraphOperation stored = bundle.graph().operation(variable.name());
                boolean fits = stored != null && stored.type().equals("VariableV2")
                        && stored.output(0).shape().equals(variable.output(0).shape())
                        && stored.output(0).dataType() == variable.output(0).dataType()
                        && (variable.output(0).dataType() == org.tensorflow.proto.DataType.DT_FLOAT
                            || variable.output(0).dataType() == org.tensorflow.proto.DataType.DT_FLOAT_REF);
                if (!fits) {
                    if (!optimizerSlot(variable.name())) {
                        unfit.add(variable.name());
                    }
                    continue;
                }
                try (org.tensorflow.Result value = bundle.session().runner().fetch(variable.name()).run()) {
                    org.tensorflow.op.core.Placeholder<TFloat32> feed = tf.placeholder(TFloat32.class);
                    org.tensorflow.op.core.Assign<TFloat32> assign = tf.assign((org.tensorflow.Operand<TFloat32>) (org.tensorflow.Operand<?>) variable.output(0), feed);
                    session.runner().feed(feed, (TFloat32) value.get(0)).addTarget(assign).run().close();
                    restored++;
                }
            }
        } catch (org.tensorflow.exceptions.TensorFlowException e) {
            throw new IllegalArgumentException("--fine-tune-from " + initial.dir() + ": its SavedModel cannot be read: " + firstLine(e.getMessage()));
        }
        if (!unfit.isEmpty() || restored == 0) {
            throw new IllegalArgumentException("--fine-tune-from " + initial.dir() + ": its variables do not fit a " + initial.architecture().name()
                    + " graph built from its model.json; missing or of another shape: " + unfit);
        }
        LOG.info("Restored {} variables of {} by name ({} optimiser slots start afresh)", restored, initial.dir(), variables.size() - restored);
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
