package org.taskfs.styx.codec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.taskfs.styx.codec.StyxWireGoldenTest.Golden;

/**
 * What the compiler cannot check about the type table: that a constant's decoder builds the record
 * whose {@code type()} is that constant (not a neighbour's, after a copy and paste), that the
 * record's size agrees with its encoding, and that the wire numbers are distinct and paired.
 */
class MessageTypeTest {

    private static List<Message> goldenMessages() {
        return StyxWireGoldenTest.everyGolden().map(Golden::message).collect(Collectors.toList());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = MessageType.class, mode = EnumSource.Mode.EXCLUDE, names = {"TERROR", "TLERROR"})
    void everyTypeDecodesIntoItsOwnRecord(MessageType type) {
        List<Golden> samples = StyxWireGoldenTest.everyGolden().filter(g -> g.message().type() == type)
                .collect(Collectors.toList());
        assertThat(samples).as("golden messages of %s", type).isNotEmpty();
        for (Golden g : samples) {
            Message m = g.message();
            byte[] frame = Hex.encode(m, g.dialect());
            assertThat(frame.length).as("size() of %s", m).isEqualTo(StyxWire.size(m, g.dialect()));
            assertThat(frame[4] & 0xff).as("type byte of %s", m).isEqualTo(type.code());
            Message decoded = Hex.decode(frame, g.dialect());
            assertThat(decoded.getClass()).as("record decoded for %s", type).isEqualTo(m.getClass());
            assertThat(decoded.type()).isEqualTo(type);
            assertThat(decoded).isEqualTo(m);
        }
    }

    /** One record class per type and one type per record class. */
    @Test
    void recordsAndTypesCorrespondOneToOne() {
        Set<Class<?>> seenClasses = new HashSet<>();
        Set<MessageType> seenTypes = new HashSet<>();
        for (Message m : goldenMessages()) {
            seenClasses.add(m.getClass());
            seenTypes.add(m.type());
        }
        assertThat(seenTypes).hasSameSizeAs(seenClasses);
        for (Class<?> c : seenClasses) {
            assertThat(goldenMessages().stream().filter(m -> m.getClass() == c).map(Message::type).distinct())
                    .as("types of %s", c.getSimpleName()).hasSize(1);
        }
    }

    @Test
    void wireNumbersAreDistinctAndPairRequestWithReply() {
        Set<Integer> codes = new HashSet<>();
        for (MessageType t : MessageType.values()) {
            Dialect home = t.code() < 100 ? Dialect.L : Dialect.P9_2000;
            assertThat(codes.add(t.code())).as("%s has a number of its own", t).isTrue();
            assertThat(MessageType.of(t.code(), home)).isSameAs(t);
            assertThat(t.isRequest()).as("%s is a request", t).isEqualTo(t.name().startsWith("T"));
            if (t.isRequest()) {
                MessageType reply = MessageType.of(t.code() + 1, home);
                assertThat(reply).as("reply to %s", t).isNotNull();
                assertThat(reply.name()).isEqualTo("R" + t.name().substring(1));
            }
        }
    }

    /** 9P2000's numbers (100-127) mean the same in every dialect; 9P2000.L's (below 100) only in .L. */
    @Test
    void dotLNumbersExistOnlyInDotL() {
        for (MessageType t : MessageType.values()) {
            for (Dialect d : Dialect.values()) {
                MessageType expected = t.code() >= 100 || d == Dialect.L ? t : null;
                assertThat(MessageType.of(t.code(), d)).as("%s in %s", t, d).isSameAs(expected);
            }
            assertThat(MessageType.of(t.code())).as("%s without a dialect", t)
                    .isSameAs(MessageType.of(t.code(), Dialect.P9_2000));
        }
        for (int code = -1; code <= 256; code++) {
            for (Dialect d : Dialect.values()) {
                MessageType t = MessageType.of(code, d);
                assertThat(t == null || t.code() == code).as("code %d in %s", code, d).isTrue();
            }
        }
        assertThat(Arrays.stream(MessageType.values()).filter(t -> t.code() < 100)).hasSize(40);
    }
}
