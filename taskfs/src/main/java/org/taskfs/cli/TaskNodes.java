package org.taskfs.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.taskfs.styx.client.StyxClient;
import org.taskfs.styx.dial.DialAddress;

/**
 * The name of the node each task of a session runs on, as a user knows it: the session's {@code ns} binds
 * each task at {@code ADDR!DIR}, and the server's root {@code ns} names each ADDR ({@code mount ADDR NAME …}).
 * A node daemon names itself {@code local}: then its host name stands in.
 */
final class TaskNodes {
    private TaskNodes() {}

    /** One name per task, in task order. */
    static List<String> of(StyxClient c, String session) throws Exception {
        Map<String, String> names = new HashMap<>();
        for (String line : c.readString("/ns").get().split("\n")) {
            String[] f = line.split(" ");
            if (f.length >= 3 && f[0].equals("mount")) {
                names.put(f[1], f[2].equals("local") ? hostOf(c.address()) : f[2]);
            }
        }
        List<String> nodes = new ArrayList<>();
        for (String line : c.readString(session + "/ns").get().split("\n")) {
            String[] f = line.split(" ");
            if (f.length == 3 && f[0].equals("bind")) {
                // ADDR!DIR, DIR absolute: the address is all before the last "!/" (unix!/path has one of its own).
                int cut = f[1].lastIndexOf("!/");
                String addr = cut > 0 ? f[1].substring(0, cut) : f[1];
                nodes.add(names.getOrDefault(addr, addr));
            }
        }
        return nodes;
    }

    /** The host a node at {@code address} runs on: named in the address, or this one's when it is local. */
    private static String hostOf(DialAddress address) {
        if (address.kind() == DialAddress.Kind.TCP && !address.host().equals("localhost")
                && !address.host().startsWith("127.") && !address.host().equals("::1")) {
            return address.host();
        }
        return org.taskfs.task.Accounts.HOST;
    }
}
