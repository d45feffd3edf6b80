package org.taskfs.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** A size on the command line: bytes, or a number with K, M, G or T (powers of 1024), as in {@code 10M}. */
final class ByteCount implements ITypeConverter<Long> {
    private static final String UNITS = "KMGT";

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        // "10M", "10MB" and "10MiB" all mean 10 × 2^20: nobody asks a node for a limit in powers of ten.
        if (v.endsWith("IB")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("B") && v.length() > 1 && UNITS.indexOf(v.charAt(v.length() - 2)) >= 0) {
            v = v.substring(0, v.length() - 1);
        }
        int shift = 0;
        if (!v.isEmpty() && UNITS.indexOf(v.charAt(v.length() - 1)) >= 0) {
            shift = 10 * (UNITS.indexOf(v.charAt(v.length() - 1)) + 1);
            v = v.substring(0, v.length() - 1);
        }
        try {
            long n = Long.parseLong(v);
            if (n >= 0 && n <= Long.MAX_VALUE >> shift) {
                return n << shift;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new TypeConversionException("'" + value + "' is not a size: use bytes, or a number with K, M, G or T"
                + " (e.g. 10M)");
    }
}
