package org.taskfs.coord.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A directory of tasks under a mounted coordinator: its session, or a part of it. Its ctl goes to
 * the matching directory there; its other files are computed here over its leaves.
 */
public final class Group implements TaskView {
    private final String path;
    private final String remoteDir;
    private final Map<String, TaskView> children = new LinkedHashMap<>();

    Group(String path, String remoteDir) {
        this.path = path;
        this.remoteDir = remoteDir;
    }

    /**
     * Builds the tree of a mounted coordinator's session from its leaves' paths there.
     *
     * @param leafPaths paths as the mounted session's {@code ns} lists them, e.g. {@code 0}, {@code 1/0}
     */
    public static Group of(String path, String remoteDir, List<String> leafPaths, java.util.function.Function<String, Leaf> leaf) {
        Group g = new Group(path, remoteDir);
        for (String p : leafPaths) {
            Group at = g;
            String[] parts = p.split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                String name = parts[i];
                TaskView next = at.children.get(name);
                if (!(next instanceof Group)) {
                    String sub = String.join("/", java.util.Arrays.copyOf(parts, i + 1));
                    next = new Group(path + "/" + sub, remoteDir + "/" + sub);
                    at.children.put(name, next);
                }
                at = (Group) next;
            }
            at.children.put(parts[parts.length - 1], leaf.apply(p));
        }
        return g;
    }

    @Override
    public String path() {
        return path;
    }

    /** The same directory on the mounted coordinator. */
    public String remoteDir() {
        return remoteDir;
    }

    public Map<String, TaskView> children() {
        return children;
    }

    @Override
    public List<Leaf> leaves() {
        List<Leaf> out = new ArrayList<>();
        for (TaskView v : children.values()) {
            out.addAll(v.leaves());
        }
        return out;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    /** The member all these leaves are reached through. */
    public org.taskfs.coord.pool.Member member() {
        return leaves().get(0).member();
    }
}
