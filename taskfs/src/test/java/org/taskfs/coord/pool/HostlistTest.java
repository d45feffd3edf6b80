package org.taskfs.coord.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostlistTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "n1                  | n1",
        "login               | login",
        "n[1-4,7]            | n1 n2 n3 n4 n7",
        "n[7]                | n7",
        "n[01-03]            | n01 n02 n03",
        "n[8-10]             | n8 n9 n10",
        "n[098-101]          | n098 n099 n100 n101",
        "n[1-010]            | n1 n2 n3 n4 n5 n6 n7 n8 n9 n10",
        "n[3,1,2]            | n3 n1 n2",
        "n1,n[3-5],login     | n1 n3 n4 n5 login",
        "rack[1-2]-n[01-03]  | rack1-n01 rack1-n02 rack1-n03 rack2-n01 rack2-n02 rack2-n03",
        "[1-2]x[3-4]         | 1x3 1x4 2x3 2x4",
        "n[1-2]-ib           | n1-ib n2-ib",
        "10.0.0.[11-12]:7000 | 10.0.0.11:7000 10.0.0.12:7000",
        "tcp!h[1-2]!7000     | tcp!h1!7000 tcp!h2!7000",
        "n1,n1               | n1 n1",
    })
    void expandsAsSlurmAndPdshDo(String hostlist, String names) {
        assertThat(Hostlist.expand(hostlist)).containsExactly(names.split(" "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "n[3-1]        | hostlist \"n[3-1]\": range 3-1 runs backwards",
        "n[1-4         | hostlist \"n[1-4\": [ without ]",
        "n1-4]         | hostlist \"n1-4]\": ] without [ at position 5",
        "n[[1-2]]      | hostlist \"n[[1-2]]\": [ inside [ at position 3; brackets do not nest",
        "n1,,n2        | hostlist \"n1,,n2\": empty item at position 4; items are separated by single commas",
        "',n1'         | hostlist \",n1\": empty item at the start; items are separated by single commas",
        "'n1,'         | hostlist \"n1,\": empty item at the end; items are separated by single commas",
        "n[]           | hostlist \"n[]\": empty brackets []",
        "n[1,,2]       | hostlist \"n[1,,2]\": empty range in [1,,2]",
        "n[a-c]        | hostlist \"n[a-c]\": \"a-c\" in [a-c] is not a number or a range N-M",
        "n[1-2-3]      | hostlist \"n[1-2-3]\": \"1-2-3\" in [1-2-3] is not a number or a range N-M",
        "n[-3]         | hostlist \"n[-3]\": \"-3\" in [-3] is not a number or a range N-M",
        "'n 1'         | hostlist \"n 1\": bad character U+0020; names are letters, digits and . - _ (addresses also : ! /)",
        "n$x           | hostlist \"n$x\": bad character '$'; names are letters, digits and . - _ (addresses also : ! /)",
        "n[1-100000]   | hostlist \"n[1-100000]\": range 1-100000: more than 65536 names",
        "a[1-300]b[1-300] | hostlist \"a[1-300]b[1-300]\": more than 65536 names",
        "n[1-40000],m[1-40000] | hostlist \"n[1-40000],m[1-40000]\": more than 65536 names",
        "n[1234567890123456789] | hostlist \"n[1234567890123456789]\": \"1234567890123456789\": numbers of more than 18 digits",
    })
    void errorsNameTheHostlistAndTheProblem(String hostlist, String error) {
        assertThatThrownBy(() -> Hostlist.expand(hostlist)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(error);
    }

    @Test
    void anEmptyHostlistIsAnError() {
        assertThatThrownBy(() -> Hostlist.expand("")).hasMessage("hostlist \"\": empty; expected names such as n[1-4],login");
    }

    @Test
    void theCapItselfIsAllowed() {
        assertThat(Hostlist.expand("n[1-65536]")).hasSize(Hostlist.MAX_NAMES).endsWith("n65536");
        assertThat(Hostlist.expand("a[1-256]b[1-256]")).hasSize(Hostlist.MAX_NAMES);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "n1 n2 n3 n7            | n[1-3,7]",
        "n7                     | n7",
        "n3 n1 n2 n2            | n[1-3]",
        "n8 n9 n10              | n[8-10]",
        "n01 n02 n03 n05        | n[01-03,05]",
        "n09 n10                | n09,n10",
        "login n1 n2            | login,n[1-2]",
        "rack1-n01 rack1-n02 rack2-n01 | rack1-n[01-02],rack2-n01",
        "n1-ib n2-ib n3-ib      | n[1-3]-ib",
        "node0 node1 login      | node[0-1],login",
    })
    void compressesAsPdshShowsThem(String names, String hostlist) {
        assertThat(Hostlist.compress(List.of(names.split(" ")))).isEqualTo(hostlist);
    }

    @Test
    void compressedListsExpandToTheSameNames() {
        Random r = new Random(15);
        for (int round = 0; round < 200; round++) {
            List<String> names = new ArrayList<>();
            for (int k = r.nextInt(20) + 1; k > 0; k--) {
                String number = Integer.toString(r.nextInt(30));
                if (r.nextBoolean()) {
                    number = "0".repeat(r.nextInt(3)) + number;
                }
                names.add(List.of("n", "rack2-n", "x").get(r.nextInt(3)) + number + (r.nextInt(4) == 0 ? "-ib" : ""));
            }
            String compressed = Hostlist.compress(names);
            assertThat(new HashSet<>(Hostlist.expand(compressed))).as(names + " → " + compressed)
                    .isEqualTo(new HashSet<>(names)).hasSameSizeAs(Hostlist.expand(compressed));
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "n[1-4]         | true",
        "n1,n2          | true",
        "n1             | false",
        "10.0.0.1:6666  | false",
        "'[::1]:6666'   | false",
        "'[fe80::1]'    | false",
        "n[1-4         | true",
    })
    void aHostlistIsTextWithACommaOrBracketsOfNumbers(String text, boolean hostlist) {
        assertThat(Hostlist.isHostlist(text)).isEqualTo(hostlist);
    }
}
