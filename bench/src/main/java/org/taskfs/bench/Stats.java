package org.taskfs.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics of a set of samples. */
public record Stats(int n, double min, double p10, double median, double p90, double p99, double max) {

    public static Stats of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no samples");
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return new Stats(v.length, v[0], quantile(v, 0.10), quantile(v, 0.50), quantile(v, 0.90),
                quantile(v, 0.99), v[v.length - 1]);
    }

    /** Linear interpolation between the closest ranks (the usual "type 7" estimator). */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 1) {
            return sorted[0];
        }
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /** The statistic a table cell shows. */
    public double pick(String which) {
        switch (which) {
            case "p50": return median;
            case "p99": return p99;
            case "min": return min;
            case "max": return max;
            default: throw new IllegalArgumentException(which);
        }
    }
}
