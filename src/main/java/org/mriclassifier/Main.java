package org.mriclassifier;

import java.util.concurrent.Callable;
import org.mriclassifier.mri.ExportCommand;
import org.mriclassifier.mri.ImportCommand;
import org.mriclassifier.training.EvaluateCommand;
import org.mriclassifier.training.InspectDataCommand;
import org.mriclassifier.training.TrainCommand;
import org.mriclassifier.training.TuneCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of the jar: {@code serve} (the default), {@code train}, {@code evaluate},
 * {@code inspect-data}, {@code import}, {@code export}.
 */
@Command(name = "mri-classifier", mixinStandardHelpOptions = true,
        description = "Brain MRI classification server and its model tools.",
        subcommands = {ServeCommand.class, TrainCommand.class, TuneCommand.class, EvaluateCommand.class, InspectDataCommand.class,
            ImportCommand.class, ExportCommand.class})
public final class Main implements Callable<Integer> {

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Without a subcommand the jar serves. */
    @Override
    public Integer call() throws Exception {
        return new ServeCommand().call();
    }
}
