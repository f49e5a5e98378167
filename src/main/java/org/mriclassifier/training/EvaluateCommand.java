package org.mriclassifier.training;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** Placeholder until the model work lands: evaluates a model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, description = "Evaluate a model on labelled image folders.")
public final class EvaluateCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("evaluate: not built yet");
        return 2;
    }
}
