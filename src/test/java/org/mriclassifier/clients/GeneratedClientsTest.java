package org.mriclassifier.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.mriclassifier.testing.ServerProcess;
import org.mriclassifier.testing.SharedPostgres;
import org.mriclassifier.testing.TestImages;
import org.mriclassifier.testing.TestServer;

/**
 * What a contract-first consumer does: generate a client from openapi.yaml with openapi-generator (the CLI jar
 * from Maven Central, fetched by the build), compile it untouched, and call every users and MRI operation against
 * a real server. The hand-written drivers live in src/test/clients; every response they receive passes through
 * {@link ConformanceProxy}, which checks it against the contract.
 */
@ExtendWith(VertxExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 600, timeUnit = TimeUnit.SECONDS)
@DisplayName("Clients generated from openapi.yaml work against the real server without edits, and every response conforms to the contract")
class GeneratedClientsTest {

    private static final Path CONTRACT = Path.of("openapi.yaml");
    private static final Path DRIVERS = Path.of("src", "test", "clients");

    private final Path generatorJar = Path.of(System.getProperty("openapi.generator.cli",
            "target/openapi-generator/openapi-generator-cli.jar")).toAbsolutePath();
    private final Path work = generatorJar.getParent().resolveSibling("generated-clients");
    private ServerProcess server;
    private ConformanceProxy proxy;
    private Path image;

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        assertTrue(Files.isRegularFile(generatorJar), "the build fetches the generator to " + generatorJar);
        Map<String, String> env = ServerProcess.environment(TestServer.tempDir());
        env.put("MRI_DB_URL", SharedPostgres.newDatabase());
        server = ServerProcess.start(env);
        WebClient client = server.client(vertx);
        server.ready(vertx, client, 240).toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
        proxy = ConformanceProxy.start(vertx, CONTRACT, server.port).toCompletionStage().toCompletableFuture()
                .get(30, TimeUnit.SECONDS);
        deleteTree(work);
        Files.createDirectories(work);
        image = work.resolve("scan.png");
        Files.write(image, TestImages.png(17_017));
    }

    @AfterAll
    void stop() throws Exception {
        if (proxy != null) {
            proxy.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.terminate();
            server.waitFor(60);
        }
    }

    @BeforeEach
    void forgetEarlierResponses() {
        proxy.failures.clear();
        proxy.seen.clear();
    }

    @Test
    @DisplayName("typescript-fetch: generated, compiled with tsc, and run with node through every operation of the contract")
    void typescriptFetch() throws Exception {
        Path dir = work.resolve("typescript");
        generate("typescript-fetch", dir.resolve("generated"));
        for (String file : List.of("driver.ts", "tsconfig.json")) {
            Files.copy(DRIVERS.resolve("typescript").resolve(file), dir.resolve(file));
        }
        run(dir, 300, "npx", "--yes", "-p", "typescript@" + System.getProperty("typescript.version", "5.9.3"),
                "tsc", "-p", "tsconfig.json");
        String output = run(dir, 180, "node", "out/driver.js", proxyUrl(), TestServer.ADMIN_EMAIL,
                TestServer.ADMIN_PASSWORD, image.toString(), "ts");
        assertDrivenAndConformant(output);
    }

    @Test
    @DisplayName("java (library native): generated, compiled with javac, and run through every operation of the contract")
    void javaNative() throws Exception {
        Path dir = work.resolve("java");
        generate("java", dir.resolve("generated"), "--library", "native", "--additional-properties",
                "invokerPackage=org.mriclassifier.client,apiPackage=org.mriclassifier.client.api,"
                        + "modelPackage=org.mriclassifier.client.model,hideGenerationTimestamp=true");
        Path classes = dir.resolve("classes");
        compileJava(dir.resolve("generated").resolve("src/main/java"), DRIVERS.resolve("java"), classes);
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String output = run(dir, 180, javaBin, "-cp", classes + File.pathSeparator + System.getProperty("java.class.path"),
                "ClientDriver", proxyUrl(), TestServer.ADMIN_EMAIL, TestServer.ADMIN_PASSWORD, image.toString(), "java");
        assertDrivenAndConformant(output);
    }

    private String proxyUrl() {
        return "http://127.0.0.1:" + proxy.port();
    }

    private void assertDrivenAndConformant(String output) {
        assertTrue(output.strip().endsWith("done"), "the driver finished:\n" + output);
        TreeSet<String> missing = new TreeSet<>(proxy.operationIds());
        missing.removeAll(proxy.seen.keySet());
        assertTrue(missing.isEmpty(), "the driver called every operation of the contract; never seen: " + missing + "\n" + output);
        for (int status : new int[] {412, 428}) {
            assertTrue(proxy.seen.values().stream().anyMatch(statuses -> statuses.contains(status)),
                    "the driver saw a " + status + ": " + proxy.seen);
        }
        assertEquals(List.of(), List.copyOf(proxy.failures), "every response conforms to openapi.yaml");
    }

    /** openapi-generator's CLI, as the README tells a consumer to run it. */
    private void generate(String generator, Path out, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", generatorJar.toString(), "generate", "-i", CONTRACT.toAbsolutePath().toString(), "-g", generator,
                "-o", out.toString()));
        command.addAll(List.of(options));
        run(Path.of("."), 180, command.toArray(String[]::new));
    }

    private static void compileJava(Path generated, Path drivers, Path classes) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        List<File> sources;
        try (Stream<Path> a = Files.walk(generated); Stream<Path> b = Files.walk(drivers)) {
            sources = Stream.concat(a, b).filter(p -> p.toString().endsWith(".java")).map(Path::toFile).toList();
        }
        Files.createDirectories(classes);
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            boolean compiled = compiler.getTask(diagnostics, files, null,
                    List.of("-proc:none", "-nowarn", "-encoding", "UTF-8", "-d", classes.toString(),
                            "-classpath", System.getProperty("java.class.path")),
                    null, files.getJavaFileObjectsFromFiles(sources)).call();
            assertTrue(compiled, "the generated Java client and its driver compile:\n" + diagnostics);
        }
    }

    /** Runs a command to its end; its output (stdout and stderr) is returned, and it must exit with 0. */
    private static String run(Path dir, long timeoutSeconds, String... command) throws Exception {
        Path log = Files.createTempFile("client-command", ".log");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        boolean exited = process.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!exited) {
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        Files.delete(log);
        System.out.println("$ " + String.join(" ", command) + "\n" + output);
        assertTrue(exited, String.join(" ", command) + " finished within " + timeoutSeconds + " s:\n" + output);
        assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
        return output;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
