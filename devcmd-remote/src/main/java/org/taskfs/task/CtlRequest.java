package org.taskfs.task;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.taskfs.styx.codec.P9;
import org.taskfs.styx.server.StyxException;
import org.taskfs.styx.util.PlanNineQuoting;

/**
 * One ctl command, parsed as devcmd parses it: one trailing newline dropped, words split with
 * Plan 9 quoting. The error texts are devcmd's, so scripts written for Inferno read the same errors.
 */
public record CtlRequest(String verb, List<String> args, String text) {

    /** devcmd's answer to an exec on a task that still runs. */
    public static final String IN_USE = "device or object already in use";

    /** devcmd's answer to a kill with nothing running. */
    public static final String NOT_STARTED = "not started";

    /**
     * Longest ctl command (and env or args write) every server accepts, node and coordinator alike: one
     * write at the default msize (64 KiB less the Twrite header). So a client at the default msize can send any
     * accepted command in one write, and a coordinator can always forward it to a member in one write (it
     * refuses members that cannot take that much, see Member).
     */
    public static final int MAX_LENGTH = P9.DEFAULT_MSIZE - P9.IOHDRSZ;

    /** Refuses a write of {@code bytes} to {@code what} over {@link #MAX_LENGTH}, naming the limit. */
    public static void checkLength(String what, long bytes) {
        if (bytes > MAX_LENGTH) {
            throw new StyxException(what + " too long: " + bytes + " bytes, at most " + MAX_LENGTH);
        }
    }

    public static CtlRequest parse(byte[] data) {
        checkLength("control message", data.length);
        // Binary junk gets a plain answer rather than an "unknown control message" full of NULs and U+FFFD.
        for (int i = 0; i < data.length; i++) {
            if (data[i] == 0) {
                throw new StyxException("control message contains a NUL byte at offset " + i);
            }
        }
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new StyxException("control message is not valid UTF-8 text");
        }
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        List<String> words = PlanNineQuoting.tokenize(s);
        if (words.isEmpty()) {
            throw new StyxException("empty control message");
        }
        String text = words.stream().map(PlanNineQuoting::quote).collect(Collectors.joining(" "));
        // Forwarded as text: quoting added for control characters or an unclosed quote must still fit a write.
        checkLength("control message (quoted)", text.getBytes(StandardCharsets.UTF_8).length);
        return new CtlRequest(words.get(0), List.copyOf(words.subList(1, words.size())), text);
    }

    public StyxException unknown() {
        return new StyxException("unknown control message \"" + text + "\"");
    }

    public StyxException wrongArgs() {
        return new StyxException("wrong #args in control message \"" + text + "\"");
    }

    /** Checks the word count, verb excluded. */
    public CtlRequest arity(int min, int max) {
        if (args.size() < min || args.size() > max) {
            throw wrongArgs();
        }
        return this;
    }

    public String arg(int i) {
        return args.get(i);
    }

    /** Argument {@code i}, or {@code otherwise} when there are fewer. */
    public String arg(int i, String otherwise) {
        return i < args.size() ? args.get(i) : otherwise;
    }

    /** A non-negative integer argument, or a clear error naming the verb. */
    public int intArg(int i, String what) {
        String a = args.get(i);
        try {
            int n = Integer.parseInt(a);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new StyxException(verb + ": bad " + what + " \"" + a + "\"; expected a number 0 or more");
    }
}
