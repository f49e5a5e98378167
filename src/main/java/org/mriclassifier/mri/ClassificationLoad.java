package org.mriclassifier.mri;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.mriclassifier.bus.ServiceException;

/**
 * The classifications in progress (uploads and re-classifications) and who they belong to, shared by every thread:
 * the HTTP layer asks it before reading an upload's body, so that saying "later" costs almost nothing, and the MRI
 * service takes and gives back the slots (through {@link Admissions}).
 *
 * <p>Fair shares instead of a fixed per-user cap. While fewer than {@code max} are in progress anyone is admitted,
 * so an account alone (a hospital's integration engine) may use the whole capacity. Once {@code max} are in
 * progress, the accounts that hold some, plus the one asking, split it equally ({@code max / accounts}, at least
 * one): an account below its share is still admitted, one at or above it is refused with 429 (it is the one asking
 * too much), and an account alone is told the server is full (503). The accounts above their share are refused
 * until the total is back under {@code max}, so an account that arrives at a full server gets its share at once,
 * without a single refusal. The total can pass {@code max} only by the admissions of accounts below their share
 * (those add up to at most {@code max}), and never {@code 2 * max}.
 *
 * <p>On a cluster the shares are the cluster's. Each api node reports what it holds, per account, a few times a
 * second ({@link LoadReports}); {@link #elsewhere} is the sum of the other nodes' last reports. Then "full" means
 * this node at its {@code max} or the cluster at the sum of the nodes' {@code max}, the accounts splitting it are
 * those holding classifications on any node, and an account's holding is its count on every node. So an account that
 * spreads its requests over the nodes behind a load balancer gets no more than one that does not; a node's own bound
 * ({@code 2 * max}) still holds. The other nodes' figures are at most a report old (a quarter of a second by
 * default), so a share can be passed by what arrives within that time.
 */
public final class ClassificationLoad {

    /** What an upload or re-classification would be told now. */
    public enum Verdict {
        ADMIT,
        /** The server is full and the asking account holds no more than its share: 503. */
        FULL,
        /** The server is full and the asking account holds its share or more: 429. */
        ABOVE_SHARE
    }

    private final int max;
    /** Guarded by this: account → classifications in progress (accounts with none are removed). */
    private final Map<String, Integer> perUser = new HashMap<>();
    /** Guarded by this. */
    private int inFlight;
    /** The other api nodes' last reports, summed; {@link Elsewhere#NONE} when alone. */
    private volatile Elsewhere elsewhere = Elsewhere.NONE;

    /**
     * What the other api nodes hold: the sum of their {@code max}, of their classifications in progress, and of
     * each account's.
     */
    public record Elsewhere(int max, int inFlight, Map<String, Integer> perAccount) {
        public static final Elsewhere NONE = new Elsewhere(0, 0, Map.of());

        public Elsewhere {
            perAccount = Map.copyOf(perAccount);
        }
    }

    public ClassificationLoad(int max) {
        this.max = max;
    }

    public int max() {
        return max;
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    /** This node's classifications in progress, per account (for the reports to the other api nodes). */
    public synchronized Map<String, Integer> perAccount() {
        return Map.copyOf(perUser);
    }

    /** Replaces what the other api nodes hold (the sum of their last reports). */
    public void elsewhere(Elsewhere others) {
        elsewhere = others == null ? Elsewhere.NONE : others;
    }

    public Elsewhere elsewhere() {
        return elsewhere;
    }

    /** What {@code user} would be told now, without taking a slot (the HTTP layer, before reading a body). */
    public synchronized Verdict verdict(String user) {
        Elsewhere others = elsewhere;
        if (inFlight < max && inFlight + others.inFlight() < max + others.max()) {
            return Verdict.ADMIT;
        }
        int mine = perUser.getOrDefault(user, 0) + others.perAccount().getOrDefault(user, 0);
        int accounts = accounts(user, others);
        if (accounts <= 1) {
            return Verdict.FULL;
        }
        if (mine >= share(accounts, others)) {
            return Verdict.ABOVE_SHARE;
        }
        return inFlight < 2 * max ? Verdict.ADMIT : Verdict.FULL;
    }

    /** The equal share of each of the accounts that hold classifications now, {@code user} counted. */
    public synchronized int shareOf(String user) {
        Elsewhere others = elsewhere;
        return share(accounts(user, others), others);
    }

    /** The accounts holding classifications on any node, plus {@code user}. */
    private int accounts(String user, Elsewhere others) {
        if (others.perAccount().isEmpty()) {
            return perUser.size() + (perUser.containsKey(user) ? 0 : 1);
        }
        Set<String> holding = new HashSet<>(perUser.keySet());
        holding.addAll(others.perAccount().keySet());
        holding.add(user);
        return holding.size();
    }

    private int share(int accounts, Elsewhere others) {
        return Math.max(1, (max + others.max()) / Math.max(1, accounts));
    }

    /** Takes a slot for {@code user} when the verdict is {@link Verdict#ADMIT}; returns the verdict either way. */
    synchronized Verdict acquire(String user) {
        Verdict verdict = verdict(user);
        if (verdict == Verdict.ADMIT) {
            inFlight++;
            perUser.merge(user, 1, Integer::sum);
        }
        return verdict;
    }

    /** Gives back a slot {@link #acquire} took. */
    synchronized void release(String user) {
        inFlight--;
        perUser.computeIfPresent(user, (k, n) -> n > 1 ? n - 1 : null);
    }

    /** The answer for a verdict other than {@link Verdict#ADMIT}: 503 or 429, with Retry-After. */
    public ServiceException refusal(Verdict verdict, String user) {
        if (verdict == Verdict.ABOVE_SHARE) {
            return ServiceException.retryLater(429, "the server is at capacity and shared between several accounts: yours has "
                    + shareOf(user) + " or more classifications in progress, its equal share; send the next one when one of them is done", 1);
        }
        return ServiceException.retryLater(503, "the server is classifying at capacity; try again shortly", 1);
    }
}
