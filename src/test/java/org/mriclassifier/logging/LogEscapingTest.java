package org.mriclassifier.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Issue 12 item 10: one log event is one line, whatever a client put in the values it carries. */
@DisplayName("The shipped logback.xml escapes control characters in every logged value")
class LogEscapingTest {

    /** The console layout exactly as logback.xml configures it. */
    private static String format(String message, Object[] arguments, Throwable failure) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        ConsoleAppender<?> console = (ConsoleAppender<?>) root.getAppender("CONSOLE");
        PatternLayoutEncoder encoder = (PatternLayoutEncoder) console.getEncoder();
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), context.getLogger("org.mriclassifier.test"),
                Level.WARN, message, failure, arguments);
        return encoder.getLayout().doLayout(event);
    }

    @Test
    @DisplayName("a value with CR, LF, ESC and a line separator stays on its event's line, escaped")
    void messageValues() {
        String forged = "x\r\n12:00:00.000 INFO  [main] o.m.access GET /admin 200 1ms\u001b[2J\u2028end";
        String line = format("query q={} from {}", new Object[] {forged, "10.0.0.1\n"}, null);
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        assertTrue(line.contains("x\\r\\n12:00:00.000 INFO"), line);
        assertTrue(line.contains("\\u001b[2J\\u2028end"), line);
        assertTrue(line.contains("10.0.0.1\\n"), line);
    }

    @Test
    @DisplayName("an exception whose message (or cause's) holds a line break keeps only its stack trace's own lines")
    void exceptionMessages() {
        IllegalArgumentException failure = new IllegalArgumentException("bad value \"a\n12:00:00.000 INFO forged\"",
                new IllegalStateException("cause\r\nINFO forged too"));
        String text = format("request failed", new Object[0], failure);
        List<String> lines = Arrays.asList(text.split("\n"));
        assertTrue(text.contains("bad value \"a\\n12:00:00.000 INFO forged\""), text);
        assertTrue(text.contains("cause\\r\\nINFO forged too"), text);
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.startsWith("\t") || line.startsWith("java.lang.") || line.startsWith("Caused by: "),
                    "a line that is not the stack trace's: " + line);
        }
    }
}
