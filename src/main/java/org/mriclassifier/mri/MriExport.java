package org.mriclassifier.mri;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowStream;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.mriclassifier.auth.AccessPolicy;
import org.mriclassifier.auth.Actor;
import org.mriclassifier.bus.ServiceException;
import org.mriclassifier.mri.MriRepository.ListQuery;
import org.mriclassifier.mri.images.ImageStore;
import org.mriclassifier.vision.ImageFormat;

/**
 * The data set's rows for research, streamed: {@code GET /MRI/export} and the {@code export} command. A database
 * cursor (a {@link RowStream} in a read-only, repeatable-read transaction: one snapshot) is read a batch at a time
 * and written to the output; when the output's queue is full the cursor pauses until it drains, so memory stays
 * the same whatever the number of rows.
 *
 * <p>Formats: NDJSON (one row's JSON per line, as {@code GET /MRI/{id}} answers it) or CSV (a header, then one line
 * per row). With images, a POSIX tar stream: {@code images/<id>.<png|jpg>} (the stored bytes, metadata already
 * stripped at upload) and, after every {@value #MANIFEST_ROWS} images and at the end, a manifest part
 * {@code manifest/part-NNNNNN.ndjson} (or .csv) with the rows of the images before it. Tar, not zip: a zip's central
 * directory lists every entry at the end, so its writer holds all of them in memory.
 */
public final class MriExport {

    public enum Format { NDJSON, CSV }

    /** What to export: the list's filters (the caller's hospital scope included), the format, the images or not. */
    public record Request(ListQuery query, Format format, boolean images) {

        public String contentType() {
            return images ? "application/x-tar" : format == Format.CSV ? "text/csv; charset=utf-8" : "application/x-ndjson";
        }

        public String fileName() {
            return "mri-export." + (images ? "tar" : format == Format.CSV ? "csv" : "ndjson");
        }
    }

    static final int MANIFEST_ROWS = 1000;
    /** Rows per cursor read: metadata rows are small; image rows carry up to vision.max_image_bytes each. */
    static final int FETCH_ROWS = 500;
    static final int FETCH_IMAGE_ROWS = 8;

    static final List<String> CSV_COLUMNS = List.of("id", "gender", "hospital", "class", "prediction", "probability",
            "unfamiliar", "unfamiliar_score", "model_version", "image_sha256", "content_type", "size_bytes", "width",
            "height", "created_by", "created_at", "updated_at", "version");

    /** Every column {@link MriRepository#toRow} reads (MriExportTest fails when one is missing). */
    private static final String COLUMNS = """
            m.id, m.gender, m.hospital, m.label, m.prediction, m.probability, m.model_version, m.image_sha256,
            m.content_type, m.size_bytes, m.width, m.height, m.created_by_name, m.created_at, m.updated_at, m.version,
            m.unfamiliar, m.unfamiliar_score, m.class_confirmed, m.updated_by_name""";

    private static final String FILTERS = """
            ($1::text IS NULL OR m.hospital = $1)
            AND ($2::text IS NULL OR m.hospital = $2)
            AND ($3::text IS NULL OR m.gender = $3)
            AND ($4::text IS NULL OR m.label = $4)
            AND (NOT $5::boolean OR m.label IS NULL)
            AND ($6::text IS NULL OR m.prediction = $6)
            AND ($7::timestamptz IS NULL OR m.created_at >= $7)
            AND ($8::timestamptz IS NULL OR m.created_at < $8)
            AND ($9::boolean IS NULL OR m.unfamiliar = $9)""";

    private static final String ROWS = "SELECT %s FROM mri m WHERE %s ORDER BY m.created_at DESC, m.id DESC"
            .formatted(COLUMNS, FILTERS);
    private static final String ROWS_WITH_IMAGES = """
            SELECT %s, i.bytes FROM mri m JOIN mri_image i ON i.mri_id = m.id WHERE %s
            ORDER BY m.created_at DESC, m.id DESC""".formatted(COLUMNS, FILTERS);

    private MriExport() {
    }

    /**
     * The request of {@code actor} (its hospital scope, as for the list), from the list's filters plus
     * {@code format} ({@code ndjson}, default, or {@code csv}) and {@code images}. 400 on a bad value.
     */
    public static Request request(Actor actor, JsonObject command) {
        String label = command.getString("class");
        String format = command.getString("format") == null ? "ndjson" : command.getString("format");
        Format parsed = switch (format.toLowerCase(Locale.ROOT)) {
            case "ndjson" -> Format.NDJSON;
            case "csv" -> Format.CSV;
            default -> throw ServiceException.badRequest("format", "must be one of csv, ndjson");
        };
        ListQuery query = new ListQuery(actor == null ? null : AccessPolicy.hospitalScope(actor).orElse(null),
                command.getString("hospital"), command.getString("gender"),
                "none".equals(label) ? null : label, "none".equals(label),
                command.getString("prediction"),
                Times.parseOrNull(command.getString("from"), "from"),
                Times.parseOrNull(command.getString("to"), "to"),
                null, 0, command.getBoolean("unfamiliar"));
        return new Request(query, parsed, Boolean.TRUE.equals(command.getBoolean("images")));
    }

    /**
     * Streams the export into {@code out} (not ended: the caller ends it, or resets it on failure). Completes with
     * the number of rows written; fails if the database or the output fails part-way.
     */
    public static Future<Long> run(Pool pool, ImageStore images, Request request, WriteStream<Buffer> out) {
        // bytes in the database come with their rows (a join); from an object store, one GET per row
        boolean joined = request.images() && images.inDatabase();
        return pool.getConnection().compose(conn -> conn.begin()
                .compose(tx -> conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute()
                        .compose(v -> conn.prepare(joined ? ROWS_WITH_IMAGES : ROWS))
                        .compose(statement -> pump(statement.createStream(
                                request.images() ? FETCH_IMAGE_ROWS : FETCH_ROWS, args(request.query())), images, request, out))
                        .eventually(tx::rollback))
                .eventually(conn::close));
    }

    private static Tuple args(ListQuery q) {
        return Tuple.tuple().addString(q.scopeHospital()).addString(q.hospital()).addString(q.gender())
                .addString(q.label()).addBoolean(q.unlabelled()).addString(q.prediction())
                .addOffsetDateTime(q.from()).addOffsetDateTime(q.to()).addBoolean(q.unfamiliar());
    }

    /**
     * Cursor → output. The cursor pauses while the output's queue is full, and while a row's image is being read
     * from the object store (so at most one row waits, and rows keep their order).
     */
    private static Future<Long> pump(RowStream<Row> rows, ImageStore images, Request request, WriteStream<Buffer> out) {
        Promise<Long> done = Promise.promise();
        Encoder encoder = new Encoder(request);
        boolean fetchEach = request.images() && !images.inDatabase();
        @SuppressWarnings("unchecked")
        Future<Void>[] pending = new Future[] {Future.succeededFuture()};
        Runnable fail = () -> rows.close();
        java.util.function.Consumer<Buffer> emit = buffer -> {
            out.write(buffer).onFailure(error -> {
                fail.run();
                done.tryFail(error);
            });
            if (out.writeQueueFull()) {
                rows.pause();
                out.drainHandler(drained -> rows.resume());
            }
        };
        Buffer head = encoder.head();
        if (head.length() > 0) {
            emit.accept(head);
        }
        rows.exceptionHandler(error -> {
            fail.run();
            done.tryFail(error);
        });
        rows.endHandler(v -> pending[0]
                .compose(written -> {
                    Buffer tail = encoder.tail();
                    return tail.length() > 0 ? out.write(tail) : Future.<Void>succeededFuture();
                })
                .onSuccess(written -> done.tryComplete(encoder.count))
                .onFailure(done::tryFail));
        out.exceptionHandler(error -> {
            fail.run();
            done.tryFail(error);
        });
        rows.handler(row -> {
            MriRow mri;
            try {
                mri = MriRepository.toRow(row);
            } catch (RuntimeException e) {
                // a row the mapper cannot read ends the export with an error instead of leaving it waiting
                fail.run();
                done.tryFail(e);
                return;
            }
            if (!fetchEach) {
                emit.accept(encoder.row(mri, request.images() ? row.getBuffer("bytes").getBytes() : null));
                return;
            }
            rows.pause();
            pending[0] = images.read(null, mri.id(), mri.imageSha256()).map(found -> {
                // a row whose image is gone is left out, as the database's join leaves it out
                found.ifPresent(image -> emit.accept(encoder.row(mri, image)));
                if (!out.writeQueueFull()) {
                    rows.resume();
                }
                return (Void) null;
            });
            pending[0].onFailure(error -> {
                fail.run();
                done.tryFail(error);
            });
        });
        return done.future();
    }

    /** Rows to bytes in the requested format; the tar's manifest part is the only thing held, at most 1000 rows. */
    private static final class Encoder {
        private final Request request;
        private Buffer manifest = Buffer.buffer();
        private long count;
        private int manifestRows;
        private int manifestParts;

        Encoder(Request request) {
            this.request = request;
        }

        Buffer head() {
            return request.images() || request.format() != Format.CSV ? Buffer.buffer() : csvHeader();
        }

        Buffer row(MriRow mri, byte[] bytes) {
            count++;
            if (!request.images()) {
                return line(mri);
            }
            String name = "images/" + mri.id() + "." + ImageFormat.ofContentType(mri.contentType()).extension();
            Buffer out = Tar.entry(name, bytes, mri.createdAt().toEpochSecond());
            if (manifestRows == 0 && request.format() == Format.CSV) {
                manifest.appendBuffer(csvHeader());
            }
            manifest.appendBuffer(line(mri));
            if (++manifestRows == MANIFEST_ROWS) {
                out.appendBuffer(flushManifest());
            }
            return out;
        }

        Buffer tail() {
            if (!request.images()) {
                return Buffer.buffer();
            }
            Buffer out = manifestRows > 0 || manifestParts == 0 ? flushManifest() : Buffer.buffer();
            return out.appendBuffer(Tar.end());
        }

        private Buffer flushManifest() {
            manifestParts++;
            String name = "manifest/part-%06d.%s".formatted(manifestParts, request.format() == Format.CSV ? "csv" : "ndjson");
            if (manifestRows == 0 && request.format() == Format.CSV) {
                manifest.appendBuffer(csvHeader());
            }
            Buffer entry = Tar.entry(name, manifest.getBytes(), System.currentTimeMillis() / 1000);
            manifest = Buffer.buffer();
            manifestRows = 0;
            return entry;
        }

        private Buffer line(MriRow mri) {
            JsonObject json = mri.toJson();
            if (request.format() == Format.NDJSON) {
                return json.toBuffer().appendByte((byte) '\n');
            }
            StringBuilder line = new StringBuilder(256);
            for (int i = 0; i < CSV_COLUMNS.size(); i++) {
                if (i > 0) {
                    line.append(',');
                }
                Object value = json.getValue(CSV_COLUMNS.get(i));
                line.append(value == null ? "" : Csv.field(value.toString(), value instanceof String));
            }
            return Buffer.buffer(line.append("\r\n").toString(), StandardCharsets.UTF_8.name());
        }

        private static Buffer csvHeader() {
            return Buffer.buffer(String.join(",", CSV_COLUMNS) + "\r\n");
        }
    }
}
