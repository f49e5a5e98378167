package org.mriclassifier.training;

import java.util.Locale;

/**
 * TensorFlow's CPU kernels are not bit-for-bit repeatable by default: the same training command gave losses
 * differing from the first epoch on. With TF_DETERMINISTIC_OPS=1 (which only the environment can set) the first
 * epochs repeat exactly, though small differences still appeared after some twenty epochs here.
 */
public final class DeterministicOps {

    public static final String ENV = "TF_DETERMINISTIC_OPS";

    private DeterministicOps() {
    }

    public static boolean enabled() {
        String value = System.getenv(ENV);
        return value != null && (value.equals("1") || value.toLowerCase(Locale.ROOT).equals("true"));
    }
}
