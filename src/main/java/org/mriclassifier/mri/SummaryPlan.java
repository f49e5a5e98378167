package org.mriclassifier.mri;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * How the list's summary is counted for a date range [from, to): the counters answer whole UTC days; a bound
 * inside a day leaves a part-day that is counted from the rows.
 * <ul>
 *   <li>no bound: {@code mri_counts_total} alone;</li>
 *   <li>bounds at 00:00 UTC (or open): {@code mri_counts} for the days [firstDay, endDay) alone;</li>
 *   <li>a bound inside a day: the whole days between the bounds from {@code mri_counts}, plus a scan of
 *       [from, next midnight) and/or [last midnight, to); both bounds in the same day: a scan of [from, to).</li>
 * </ul>
 *
 * @param total     read mri_counts_total
 * @param days      read mri_counts for [firstDay, endDay) (a null bound is open)
 * @param firstDay  first whole day, or null for none before
 * @param endDay    the day after the last whole day, or null for none after
 * @param scans     part-days counted from the rows
 */
record SummaryPlan(boolean total, boolean days, LocalDate firstDay, LocalDate endDay, List<Range> scans) {

    record Range(OffsetDateTime from, OffsetDateTime to) {
    }

    static SummaryPlan of(OffsetDateTime from, OffsetDateTime to) {
        if (from == null && to == null) {
            return new SummaryPlan(true, false, null, null, List.of());
        }
        LocalDate firstDay = from == null ? null : ceilDay(from);
        LocalDate endDay = to == null ? null : floorDay(to);
        if (firstDay != null && endDay != null && !firstDay.isBefore(endDay)) {
            // no whole day in between (or an empty range): count the rows of [from, to)
            return new SummaryPlan(false, false, null, null, List.of(new Range(from, to)));
        }
        List<Range> scans = new ArrayList<>(2);
        if (from != null && !midnight(from).equals(from.toInstant())) {
            scans.add(new Range(from, start(firstDay)));
        }
        if (to != null && !midnight(to).equals(to.toInstant())) {
            scans.add(new Range(start(endDay), to));
        }
        return new SummaryPlan(false, true, firstDay, endDay, List.copyOf(scans));
    }

    private static LocalDate floorDay(OffsetDateTime t) {
        return t.atZoneSameInstant(ZoneOffset.UTC).toLocalDate();
    }

    private static LocalDate ceilDay(OffsetDateTime t) {
        LocalDate day = floorDay(t);
        return midnight(t).equals(t.toInstant()) ? day : day.plusDays(1);
    }

    private static java.time.Instant midnight(OffsetDateTime t) {
        return floorDay(t).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static OffsetDateTime start(LocalDate day) {
        return day.atStartOfDay().atOffset(ZoneOffset.UTC);
    }
}
