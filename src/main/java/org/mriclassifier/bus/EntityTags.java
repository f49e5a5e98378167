package org.mriclassifier.bus;

/**
 * Strong entity tags for versioned rows (an MRI row, a user): the tag is the row's version in quotes, and a
 * change that carries {@code If-Match} goes ahead only when one of its tags is the row's current one.
 */
public final class EntityTags {

    private EntityTags() {
    }

    /** The strong entity tag of a row at this version. */
    public static String of(int version) {
        return "\"" + version + "\"";
    }

    /**
     * If-Match holds a list of strong tags or {@code *}; a weak tag never matches (RFC 9110 13.1.1).
     *
     * @throws ServiceException 412, naming the current tag, when none of the tags is the row's
     */
    public static void requireCurrent(String ifMatch, int version) {
        String trimmed = ifMatch.trim();
        if (trimmed.equals("*")) {
            return;
        }
        String current = of(version);
        for (String tag : trimmed.split(",")) {
            if (tag.trim().equals(current)) {
                return;
            }
        }
        throw new ServiceException(412, "the row has changed since that ETag was read; it is now at "
                + current + "; read it again and retry", "If-Match");
    }
}
