package org.mriclassifier;

import org.mriclassifier.training.EvaluateCommand;
import org.mriclassifier.training.InspectDataCommand;
import org.mriclassifier.training.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of the jar: {@code serve} (the default), {@code train}, {@code evaluate}, {@code import}.
 */
@Command(name = "mri-classifier", mixinStandardHelpOptions = true,
        description = "Brain MRI classification server and its model tools.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, InspectDataCommand.class})
public final class Main implements Runnable {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }
}
