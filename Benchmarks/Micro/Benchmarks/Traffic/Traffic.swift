import Benchmark
import PorticoModel
import PorticoPipeline
import PorticoVelocity

/// The per-request costs of traffic management and mapping, one operation per iteration.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2))

    Benchmark("TokenBucket.take (value)") { benchmark in
        var bucket = TokenBucket(rate: 1e9, burst: 1_000_000_000, now: 0)
        var now: UInt64 = 0
        for _ in benchmark.scaledIterations {
            now &+= 1_000
            blackHole(bucket.take(now: now))
        }
    }

    Benchmark("SharedTokenBucket.take (atomic)") { benchmark in
        let bucket = SharedTokenBucket(rate: 1e9, burst: 1_000_000_000, now: 0)
        var now: UInt64 = 0
        for _ in benchmark.scaledIterations {
            now &+= 1_000
            blackHole(bucket.take(now: now))
        }
    }

    Benchmark("QuotaCounter.take") { benchmark in
        let counter = QuotaCounter(quota: Quota(limit: Int.max >> 30, period: .day))
        for _ in benchmark.scaledIterations {
            blackHole(counter.take(epochMillis: 1_795_000_000_000))
        }
    }

    let (gateway, probe) = keyedGateway(keys: 1_000)
    Benchmark("API key lookup (1,000 keys)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(gateway.keys.key(probe).map { $0.enabled })
        }
    }

    let template = try! Template(#"{"name": $input.json('$.name'), "id": "$input.params('id')", "stage": "$context.stage"}"#)
    let paths = JSONPathCache(template)
    let context = VelocityMap([("stage", .string("prod"))])
    let input = MappingInput(body: Array(#"{"name": "Rex", "tags": ["a", "b"], "age": 3}"#.utf8), pathParameters: [("id", "7")])
    Benchmark("Small request template (3 references, 46-byte body)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try! paths.render(template, Mapping.variables(input: input, context: context, stageVariables: [:])))
        }
    }
}

/// A gateway with `keys` API keys in one plan; the probe is one of them.
func keyedGateway(keys count: Int) -> (CompiledGateway, String) {
    var api = APIDefinition(id: "api1", name: "bench", type: .rest, location: SourceLocation(file: "bench"))
    api.stages = [Stage(name: "prod")]
    var config = ProjectConfig(apis: [api])
    config.apiKeys = (0..<count).map { APIKeyConfig(name: "key\($0)", value: "bench-key-\($0)-0123456789abcdef") }
    config.usagePlans = [UsagePlanConfig(name: "plan", apiStages: [.init(api: "api1", stage: "prod")], throttle: Throttling(rateLimit: 1e9, burstLimit: 1_000_000_000), keys: config.apiKeys.map(\.name))]
    guard let gateway = Compiler.compile(config).0 else { fatalError("the benchmark gateway does not compile") }
    return (gateway, "bench-key-\(count / 2)-0123456789abcdef")
}
