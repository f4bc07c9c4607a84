// Flink jobs whose bottleneck is known by construction, for scripts/e2e-flink.sh.
// "Slow" is a deliberate pause of 1 ms per record (LockSupport.parkNanos), so a slow operator
// manages about 900 records per second while everything else could do far more.
//
//   flink run -d -c BptopE2eJobs jobs.jar <scenario>
//
// scenarios: slow-sink, slow-middle, healthy, skew, fan-out, stall, steps GATE_FILE

import java.util.concurrent.locks.LockSupport;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.api.common.functions.FilterFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

public class BptopE2eJobs {

    /** Parks the calling thread for 1 ms: the deliberate per-record cost of a slow operator. */
    static void slow() {
        LockSupport.parkNanos(1_000_000L);
    }

    /** A Sink V2 that parks 1 ms per record (Flink names its vertex "<name>: Writer"). */
    static class SlowSink implements Sink<Long> {
        @Override
        public SinkWriter<Long> createWriter(WriterInitContext context) {
            return new SinkWriter<Long>() {
                @Override
                public void write(Long element, Context ctx) {
                    slow();
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    /** A Sink V2 that drops everything at once. */
    static class FastSink implements Sink<Long> {
        @Override
        public SinkWriter<Long> createWriter(WriterInitContext context) {
            return new SinkWriter<Long>() {
                @Override
                public void write(Long element, Context ctx) {}

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    /**
     * A Sink V2 that keeps up easily but stops for 8 s every 30 s, as a sink flushing a batch
     * to a slow system does: its upstream is held back during the stall only.
     */
    static class StallingSink implements Sink<String> {
        @Override
        public SinkWriter<String> createWriter(WriterInitContext context) {
            return new SinkWriter<String>() {
                private long nextStall = System.currentTimeMillis() + 30_000L;

                @Override
                public void write(String element, Context ctx) throws java.io.IOException, InterruptedException {
                    long now = System.currentTimeMillis();
                    if (now >= nextStall) {
                        Thread.sleep(8_000L);
                        nextStall = now + 30_000L;
                    }
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    /**
     * Passes nothing until a file exists, then everything: an operator that starts emitting
     * (a filter for rare events meeting its first one). Its output pool then holds its first
     * buffer for good, so the gauge steps once, 0.0 -> 0.1 of ten, and the rates downstream rise
     * over Flink's 60 s averaging window. The file is looked for once a second at most.
     */
    static class Gate implements FilterFunction<Long> {
        final String path;
        transient long lookedAt;
        transient boolean open;

        Gate(String path) {
            this.path = path;
        }

        @Override
        public boolean filter(Long v) {
            long now = System.currentTimeMillis();
            if (!open && now - lookedAt >= 1000) {
                lookedAt = now;
                open = new java.io.File(path).exists();
            }
            return open;
        }
    }

    /** An unbounded sequence, as fast as downstream allows. */
    static DataStream<Long> numbers(StreamExecutionEnvironment env, String name, int parallelism) {
        return env.fromSequence(0, Long.MAX_VALUE).name(name).setParallelism(parallelism);
    }

    public static void main(String[] args) throws Exception {
        String scenario = args.length > 0 ? args[0] : "slow-sink";
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.disableOperatorChaining();
        env.setParallelism(1);
        switch (scenario) {
            case "slow-sink": {
                numbers(env, "gen-source", 1)
                        .map((MapFunction<Long, Long>) v -> v * 3).name("parse")
                        .filter((FilterFunction<Long>) v -> v >= 0).name("filter-valid")
                        .keyBy(v -> v % 16)
                        .sinkTo(new SlowSink()).name("slow-sink");
                break;
            }
            case "slow-middle": {
                numbers(env, "gen-source", 1)
                        .map((MapFunction<Long, Long>) v -> v + 1).name("parse")
                        .map((MapFunction<Long, Long>) v -> { slow(); return v; }).name("slow-enrich")
                        .sinkTo(new FastSink()).name("fast-sink");
                break;
            }
            case "healthy": {
                // A source rate-limited to 200 records/s and nothing slow downstream: nothing is
                // backpressured, every vertex mostly idle.
                DataGeneratorSource<Long> limited = new DataGeneratorSource<>(
                        (GeneratorFunction<Long, Long>) i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.LONG);
                env.fromSource(limited, WatermarkStrategy.noWatermarks(), "gen-source")
                        .map((MapFunction<Long, Long>) v -> v + 1).name("parse")
                        .sinkTo(new FastSink()).name("fast-sink");
                break;
            }
            case "skew": {
                // 99 records in 100 carry key 0: one subtask of the keyed operator does almost
                // all the work at parallelism 2, clearly even on a loaded 2-core machine.
                numbers(env, "gen-source", 2)
                        .keyBy(v -> v % 100 < 99 ? 0L : 1L + v % 7)
                        .map((MapFunction<Long, Long>) v -> { slow(); return v; }).name("keyed-enrich").setParallelism(2)
                        .sinkTo(new FastSink()).name("fast-sink").setParallelism(2);
                break;
            }
            case "fan-out": {
                DataStream<Long> split = numbers(env, "gen-source", 1)
                        .map((MapFunction<Long, Long>) v -> v + 1).name("split");
                split.sinkTo(new SlowSink()).name("alerts-sink");
                split.sinkTo(new FastSink()).name("archive-sink");
                break;
            }
            case "stall": {
                // 2000 records/s of 1 KiB: the network buffers between the operators hold well
                // under a second of it, so an 8 s stall of the sink backpressures everything
                // upstream for most of the stall, and nothing in between.
                final String payload = new String(new char[1024]).replace('\0', 'x');
                DataGeneratorSource<String> limited = new DataGeneratorSource<>(
                        (GeneratorFunction<Long, String>) i -> payload, Long.MAX_VALUE, RateLimiterStrategy.perSecond(2000), Types.STRING);
                env.fromSource(limited, WatermarkStrategy.noWatermarks(), "gen-source")
                        .map((MapFunction<String, String>) v -> v).name("parse")
                        .sinkTo(new StallingSink()).name("flushing-sink");
                break;
            }
            case "steps": {
                // Healthy at 200 records/s; "rare-events" passes nothing until the gate file
                // (args[1]) exists: its output pool then steps 0.0 -> 0.1 and the rates below it
                // rise. A step is no trend towards saturation.
                DataGeneratorSource<Long> limited = new DataGeneratorSource<>(
                        (GeneratorFunction<Long, Long>) i -> i, Long.MAX_VALUE, RateLimiterStrategy.perSecond(200), Types.LONG);
                env.fromSource(limited, WatermarkStrategy.noWatermarks(), "gen-source")
                        .filter(new Gate(args[1])).name("rare-events")
                        .sinkTo(new FastSink()).name("fast-sink");
                break;
            }
            default:
                throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        env.execute("e2e-" + scenario);
    }
}
