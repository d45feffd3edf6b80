package org.taskfs.coord.pool;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.taskfs.styx.server.StyxException;

/**
 * Where the tasks of one {@code res} go: each in turn to the candidate with the most free slots,
 * ties broken by fewest tasks given in this round, then pool order, so tasks spread across nodes
 * before any node gets a second one. Pure: the pool supplies candidates and their free slots.
 */
public final class Placement {
    private Placement() {}

    /** A member that may take tasks, with how many it can take now. */
    public record Candidate(Member member, int free) {}

    /**
     * @param constraint text naming the OS/ARCH asked for, for the error message
     * @return tasks per member, in pool order
     */
    public static Map<Member, Integer> plan(List<Candidate> candidates, int wanted, String constraint) {
        int total = 0;
        for (Candidate c : candidates) {
            total += Math.max(0, c.free());
        }
        if (total < wanted) {
            throw new StyxException("res: not enough capacity: asked " + wanted + ", " + total + " free slot"
                    + (total == 1 ? "" : "s") + " (" + constraint + ")");
        }
        int[] free = new int[candidates.size()];
        int[] given = new int[candidates.size()];
        for (int i = 0; i < free.length; i++) {
            free[i] = Math.max(0, candidates.get(i).free());
        }
        for (int n = 0; n < wanted; n++) {
            int best = -1;
            for (int i = 0; i < free.length; i++) {
                if (free[i] == 0) {
                    continue;
                }
                if (best < 0 || given[i] < given[best] || (given[i] == given[best] && free[i] > free[best])) {
                    best = i;
                }
            }
            free[best]--;
            given[best]++;
        }
        Map<Member, Integer> plan = new LinkedHashMap<>();
        List<Candidate> order = new ArrayList<>(candidates);
        for (int i = 0; i < order.size(); i++) {
            if (given[i] > 0) {
                plan.put(order.get(i).member(), given[i]);
            }
        }
        return plan;
    }
}
