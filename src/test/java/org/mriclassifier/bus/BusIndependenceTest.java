package org.mriclassifier.bus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code bus} is the layer every service stands on, so it names none of them: the domain types' codecs are registered
 * by the composition root ({@code org.mriclassifier.Codecs}), and the database's failures are classified by the
 * services that use it ({@code DbErrors::asServiceException}). A reference to another package of ours would make a
 * cycle, since they all use {@code bus}.
 */
@DisplayName("the bus package depends on no other package of ours")
class BusIndependenceTest {

    private static final Pattern OURS = Pattern.compile("\\borg\\.mriclassifier\\.(?!bus\\b)[a-z]\\w*");

    @Test
    void noOtherPackageOfOurs() throws IOException {
        Path bus = Path.of("src/main/java/org/mriclassifier/bus");
        List<Path> sources;
        try (Stream<Path> files = Files.list(bus)) {
            sources = files.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertFalse(sources.isEmpty(), "no sources under " + bus.toAbsolutePath());
        for (Path source : sources) {
            // code, not comments: a Javadoc may say where a codec is registered
            String code = Files.readString(source).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
            Matcher m = OURS.matcher(code);
            assertEquals(false, m.find(), () -> source.getFileName() + " refers to " + m.group());
        }
    }
}
