package org.taskfs.coord.pool;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.taskfs.styx.server.StyxException;

/**
 * Which members a {@code res} may place on: those named by {@code nodes=} (all, if not given) less those named
 * by {@code exclude=}, by their names in this pool. Only this coordinator's own members are chosen: a
 * coordinator below knows nothing of these names, so the choice is never passed down.
 *
 * @param only     names allowed, or null for every member
 * @param excluded names refused
 * @param text     the words as written, for messages ({@code nodes=n[1-2]})
 */
public record MemberChoice(Set<String> only, Set<String> excluded, String text) {
    public static final MemberChoice ANY = new MemberChoice(null, Set.of(), "");

    /** From the hostlists of {@code nodes=} and {@code exclude=}, either null when not given. */
    public static MemberChoice of(String nodes, String exclude) {
        if (nodes == null && exclude == null) {
            return ANY;
        }
        try {
            Set<String> only = nodes == null ? null : names(nodes);
            Set<String> excluded = exclude == null ? Set.of() : names(exclude);
            String text = (nodes == null ? "" : "nodes=" + nodes) + (nodes != null && exclude != null ? " " : "")
                    + (exclude == null ? "" : "exclude=" + exclude);
            return new MemberChoice(only, excluded, text);
        } catch (IllegalArgumentException e) {
            throw new StyxException("res: " + e.getMessage());
        }
    }

    /** Kept in the order written, so that messages name them so. */
    private static Set<String> names(String hostlist) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(Hostlist.expand(hostlist)));
    }

    public boolean admits(Member m) {
        return (only == null || only.contains(m.name())) && !excluded.contains(m.name());
    }

    /**
     * Refuses at once a name in {@code nodes=} that is no member here: a typo must not quietly shrink the
     * choice (and then fail for capacity, or run elsewhere than meant).
     */
    void check(List<Member> members) {
        if (only == null) {
            return;
        }
        Set<String> unknown = new LinkedHashSet<>(only);
        members.forEach(m -> unknown.remove(m.name()));
        if (!unknown.isEmpty()) {
            throw new StyxException("res: no member" + (unknown.size() == 1 ? "" : "s") + " named "
                    + Hostlist.compress(unknown));
        }
    }
}
