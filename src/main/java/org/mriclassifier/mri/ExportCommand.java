package org.mriclassifier.mri;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.mriclassifier.audit.AuditTrail;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.config.ConfigLoader;
import org.mriclassifier.db.DatabaseBootstrap;
import org.mriclassifier.db.PoolFactory;
import org.mriclassifier.lifecycle.Observability;
import org.mriclassifier.mri.images.ImageStore;
import org.mriclassifier.mri.images.ImageStores;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code export}: what {@code GET /MRI/export} streams, written to a file offline, from the configured database
 * (the embedded one in the data directory by default: stop the server first, or use MRI_DB_URL). The operator
 * runs it as the system, so every hospital's rows are exported unless {@code --hospital} says otherwise. Audited
 * as a read ({@code mri.export}, by {@code system:export}). The same cursor and backpressure: constant memory.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the data set's rows (NDJSON or CSV), or a tar of its images and manifest, to a file.")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "The file to write (replaced if it exists).")
    Path out;

    @Option(names = "--format", defaultValue = "ndjson", description = "ndjson (default) or csv.")
    String format;

    @Option(names = "--images", description = "A tar of images/<id>.<ext> and manifest parts instead of the rows alone.")
    boolean images;

    @Option(names = "--hospital", description = "Only this hospital's rows.")
    String hospital;

    @Option(names = "--gender", description = "Only rows of this gender.")
    String gender;

    @Option(names = "--class", description = "Only rows of this ground-truth class (tumor, healthy, none).")
    String label;

    @Option(names = "--prediction", description = "Only rows with this prediction.")
    String prediction;

    @Option(names = "--from", description = "Only rows created at or after this RFC 3339 instant.")
    String from;

    @Option(names = "--to", description = "Only rows created before this RFC 3339 instant.")
    String to;

    @Option(names = "--unfamiliar", description = "Only rows flagged unfamiliar (true) or not (false).")
    Boolean unfamiliar;

    private final Map<String, String> environment;

    public ExportCommand() {
        this(System.getenv());
    }

    /** With the environment it reads its configuration from (tests pass their own). */
    ExportCommand(Map<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public Integer call() {
        MriExport.Request request;
        try {
            request = MriExport.request(null, new JsonObject().put("hospital", hospital).put("gender", gender)
                    .put("class", label).put("prediction", prediction).put("from", from).put("to", to)
                    .put("unfamiliar", unfamiliar).put("format", format).put("images", images));
        } catch (ServiceException e) {
            System.err.println("--" + e.field() + " " + e.getMessage());
            return 2;
        }
        Vertx vertx = Observability.newVertx(new VertxOptions());
        try {
            JsonObject config = ConfigLoader.load(vertx, environment).await();
            DatabaseBootstrap.Prepared database = DatabaseBootstrap.prepare(config.getJsonObject("db"),
                    Path.of(config.getString("data_dir", "./data")));
            try {
                Pool pool = PoolFactory.shared(vertx, PoolFactory.describe(database.target(), config.getJsonObject("db")));
                ImageStore store = ImageStores.create(vertx, config.getJsonObject("images")).await();
                AsyncFile file = vertx.fileSystem().open(out.toString(),
                        new OpenOptions().setWrite(true).setCreate(true).setTruncateExisting(true)).await();
                long rows;
                try {
                    rows = MriExport.run(pool, store, request, file).await();
                } finally {
                    file.close().await();
                }
                AuditTrail.append(pool, new AuditTrail.Entry(null, Actor.system("export").toJson(), hospital,
                        "mri.export", "mri", null, "success", null,
                        new JsonObject().put("rows", rows).put("images", images).put("format", format))).await();
                store.close().await();
                pool.close().await();
                System.out.printf("%d rows exported to %s%n", rows, out);
                return 0;
            } finally {
                database.close();
            }
        } catch (RuntimeException e) {
            System.err.println("The export did not run: " + e.getMessage());
            return 1;
        } finally {
            vertx.close().await();
        }
    }
}
