package org.mriclassifier.mri;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mriclassifier.Server;
import org.mriclassifier.config.ConfigLoader;
import org.mriclassifier.lifecycle.Observability;
import org.mriclassifier.training.DatasetScanner;
import org.mriclassifier.training.ImageFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code import}: the original project's "dataset creation". Loads a labelled folder (labels from folder names,
 * as in ../shared/datasets) into the database, through the same checks, preprocessing and model as an upload.
 * Uses the configured database (embedded in the data directory by default: stop the server first, or use
 * MRI_DB_URL for both).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Load a labelled image folder into the data set (re-running it adds nothing twice).")
public final class ImportCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "Folder with labelled sub-folders (yes/no, glioma, ...).")
    List<Path> data;

    @Option(names = "--hospital", required = true, description = "The hospital the images belong to.")
    String hospital;

    @Option(names = "--gender", defaultValue = "unknown",
            description = "Patient gender for every image: female, male, other or unknown (default).")
    String gender;

    @Option(names = "--concurrency", defaultValue = "4", description = "Images in flight at once (default: ${DEFAULT-VALUE}).")
    int concurrency;

    private final Map<String, String> environment;

    public ImportCommand() {
        this(System.getenv());
    }

    /** With the environment it reads its configuration from (tests pass their own). */
    ImportCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        if (!MriService.GENDERS.contains(gender)) {
            System.err.println("--gender must be one of female, male, other, unknown");
            return 2;
        }
        List<ImageFile> files = DatasetScanner.scan(data);
        Vertx vertx = Observability.newVertx(new VertxOptions());
        try {
            JsonObject config = ConfigLoader.load(vertx, environment).await();
            Server backend = Server.startBackend(vertx, config).await();
            try {
                Importer.Summary summary = new Importer(vertx).run(files, hospital.strip(), gender, concurrency).await();
                summary.problems().forEach(problem -> System.out.println("not imported: " + problem));
                System.out.printf("%d images: %d imported, %d already there, %d refused, %d failed%n", files.size(),
                        summary.imported(), summary.duplicates(), summary.rejected(), summary.failed());
                System.out.println(summary.toJson().encode());
                return summary.failed() > 0 ? 1 : 0;
            } finally {
                backend.stop().await();
            }
        } catch (RuntimeException e) {
            System.err.println("The import did not run: " + e.getMessage());
            return 1;
        } finally {
            vertx.close().await();
        }
    }
}
