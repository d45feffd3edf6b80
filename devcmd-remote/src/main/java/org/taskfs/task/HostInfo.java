package org.taskfs.task;

import java.util.Locale;

/** This machine's OS and architecture, spelled as the taskfs family spells them ({@code Linux amd64}). */
public record HostInfo(String os, String arch) {

    public static final HostInfo LOCAL = new HostInfo(osName(System.getProperty("os.name")),
            archName(System.getProperty("os.arch")));

    static String osName(String javaName) {
        String n = javaName.toLowerCase(Locale.ROOT);
        if (n.contains("linux")) {
            return "Linux";
        }
        if (n.contains("mac") || n.contains("darwin")) {
            return "MacOSX";
        }
        if (n.contains("windows")) {
            return "Nt";
        }
        if (n.contains("sunos") || n.contains("solaris")) {
            return "Solaris";
        }
        return javaName.replace(' ', '_');
    }

    static String archName(String javaArch) {
        switch (javaArch.toLowerCase(Locale.ROOT)) {
            case "amd64":
            case "x86_64":
                return "amd64";
            case "x86":
            case "i386":
            case "i686":
                return "386";
            case "aarch64":
            case "arm64":
                return "arm64";
            case "ppc64":
            case "ppc64le":
                return "power64";
            default:
                return javaArch;
        }
    }

    /** Whether this host satisfies an OS/ARCH constraint; {@code *} or null means any. */
    public boolean matches(String wantOs, String wantArch) {
        return (wantOs == null || wantOs.equals("*") || wantOs.equalsIgnoreCase(os))
                && (wantArch == null || wantArch.equals("*") || wantArch.equalsIgnoreCase(arch));
    }

    /** {@code OS ARCH}, as the root {@code arch} file shows it (without the newline). */
    @Override
    public String toString() {
        return os + " " + arch;
    }
}
