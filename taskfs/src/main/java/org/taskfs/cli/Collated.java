package org.taskfs.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.taskfs.coord.pool.Hostlist;

/**
 * {@code taskfs run --collate}: each distinct output once, under a header naming the nodes (as a hostlist,
 * {@code node[0-3]}) and tasks that printed it, as {@code clush -b} and {@code dshbak -c} do. Groups come in the order of their first task; tasks
 * that printed nothing are left out.
 */
final class Collated {
    static final String RULE = "----------------\n";

    private Collated() {}

    /** @param outputs each task's whole stdout, in task order; @param nodes each task's node */
    static byte[] format(List<ByteArrayOutputStream> outputs, List<String> nodes) {
        Map<ByteBuffer, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
            byte[] b;
            synchronized (outputs.get(i)) {
                b = outputs.get(i).toByteArray();
            }
            if (b.length > 0) {
                groups.computeIfAbsent(ByteBuffer.wrap(b), k -> new ArrayList<>()).add(i);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        groups.forEach((text, tasks) -> {
            Set<String> where = new LinkedHashSet<>();
            tasks.forEach(t -> where.add(nodes.get(t)));
            String header = Hostlist.compress(where) + " (" + (tasks.size() == 1 ? "task " : "tasks ")
                    + ranges(tasks) + ")\n";
            out.writeBytes((RULE + header + RULE).getBytes(StandardCharsets.UTF_8));
            byte[] b = text.array();
            out.writeBytes(b);
            if (b[b.length - 1] != '\n') {
                out.write('\n');
            }
        });
        return out.toByteArray();
    }

    /** Ascending task numbers as ranges: {@code 0-3,5,7-8}. */
    static String ranges(List<Integer> sorted) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < sorted.size(); ) {
            int j = i;
            while (j + 1 < sorted.size() && sorted.get(j + 1) == sorted.get(j) + 1) {
                j++;
            }
            s.append(s.length() > 0 ? "," : "").append(sorted.get(i));
            if (j > i) {
                s.append('-').append(sorted.get(j));
            }
            i = j + 1;
        }
        return s.toString();
    }
}
