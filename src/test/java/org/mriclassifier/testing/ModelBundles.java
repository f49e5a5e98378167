package org.mriclassifier.testing;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.mriclassifier.inference.ModelChecksums;

/** Model bundles for registry tests: copies of the shipped model with another version (or a defect), zipped. */
public final class ModelBundles {

    private ModelBundles() {
    }

    /** A copy of the shipped model whose model.json says {@code version}, with its checksums written afresh. */
    public static Path copyWithVersion(String version) {
        return copy(version, json -> { });
    }

    /** As {@link #copyWithVersion}, with model.json changed further by {@code edit}. */
    public static Path copy(String version, Consumer<JsonObject> edit) {
        try {
            Path source = Path.of(TestServer.modelDir());
            Path target = Files.createTempDirectory("mri-bundle").resolve(version);
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path p : walk.toList()) {
                    Path to = target.resolve(source.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to);
                    }
                }
            }
            Path descriptor = target.resolve("model.json");
            JsonObject json = new JsonObject(Files.readString(descriptor));
            json.put("version", version);
            edit.accept(json);
            Files.writeString(descriptor, json.encodePrettily());
            ModelChecksums.write(target);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The folder zipped as {@code zip -r bundle.zip <folder>} would: its entries under the folder's name. */
    public static byte[] zip(Path folder) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                entries.put(folder.getFileName() + "/" + folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip(entries);
    }

    public static byte[] zip(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(entry.getKey()));
                out.write(entry.getValue());
                out.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The shipped model's version. */
    public static String shippedVersion() {
        try {
            return new JsonObject(Files.readString(Path.of(TestServer.modelDir()).resolve("model.json"))).getString("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
