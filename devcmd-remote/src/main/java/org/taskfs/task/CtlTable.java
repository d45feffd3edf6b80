package org.taskfs.task;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A ctl file's verbs: name, argument counts and handler (lib9p's Cmdtab). Dispatch gives devcmd's errors for
 * an unknown verb or a wrong count, so every server answers a bad command with the same text.
 *
 * @param <C> what a handler acts on (a session and the task its ctl belongs to, or nothing for a root ctl)
 */
public final class CtlTable<C> {
    /** Carries out one command; completes once it has taken effect. */
    @FunctionalInterface
    public interface Handler<C> {
        CompletableFuture<Void> apply(C on, CtlRequest c);
    }

    /** @param max most arguments after the verb, or -1 for any number */
    public record Verb<C>(String name, int min, int max, String usage, Handler<C> handler) {}

    private final Map<String, Verb<C>> verbs = new LinkedHashMap<>();

    public CtlTable<C> add(String name, int min, int max, String usage, Handler<C> handler) {
        verbs.put(name, new Verb<>(name, min, max, usage, handler));
        return this;
    }

    public Verb<C> verb(String name) {
        return verbs.get(name);
    }

    public CompletableFuture<Void> dispatch(C on, CtlRequest c) {
        Verb<C> v = verbs.get(c.verb());
        if (v == null) {
            throw c.unknown();
        }
        if (c.args().size() < v.min() || (v.max() >= 0 && c.args().size() > v.max())) {
            throw c.wrongArgs();
        }
        return v.handler().apply(on, c);
    }

    /** One usage line per verb, in table order. */
    public String usage() {
        StringBuilder b = new StringBuilder();
        verbs.values().forEach(v -> b.append(v.usage()).append('\n'));
        return b.toString();
    }
}
