import PorticoModel
import Testing

@testable import PorticoPipeline

@Suite struct RouteTableTests {
    func table(_ routes: [(String, String)]) throws -> RouteTable {
        var builder = RouteTableBuilder()
        for (method, path) in routes {
            let route = CompiledRoute(resourcePath: path, method: method, integration: .unavailable(.internalError, reason: "test"))
            try builder.add(route, path: path)
        }
        return builder.build()
    }

    func key(_ table: RouteTable, _ method: Substring, _ path: Substring) -> String? {
        table.match(method: method, path: path)?.route.routeKey
    }

    /// The example of AWS's "Working with routes for HTTP APIs" page.
    @Test func awsHTTPAPIPriorityExample() throws {
        let routes = try table([
            ("GET", "/pets/dog/1"), ("GET", "/pets/dog/{id}"), ("GET", "/pets/{proxy+}"), ("ANY", "/{proxy+}"), ("ANY", ""),
        ])
        #expect(key(routes, "GET", "/pets/dog/1") == "GET /pets/dog/1")
        #expect(key(routes, "GET", "/pets/dog/2") == "GET /pets/dog/{id}")
        #expect(key(routes, "GET", "/pets/cat/1") == "GET /pets/{proxy+}")
        #expect(key(routes, "POST", "/test/5") == "ANY /{proxy+}")
        #expect(key(routes, "POST", "/") == "$default")
    }

    /// Behaviour observed on AWS for REST APIs (resource precedence is per resource and method).
    @Test func restSiblingPrecedence() throws {
        let routes = try table([("POST", "/test"), ("OPTIONS", "/{proxy+}")])
        #expect(key(routes, "OPTIONS", "/test") == "OPTIONS /{proxy+}")
        #expect(key(routes, "POST", "/test") == "POST /test")
        #expect(key(routes, "GET", "/test") == nil)

        let parts = try table([("GET", "/part1"), ("GET", "/part1/hardcoded-value"), ("GET", "/{param+}")])
        #expect(key(parts, "GET", "/part1") == "GET /part1")
        #expect(key(parts, "GET", "/part1/hardcoded-value") == "GET /part1/hardcoded-value")
        #expect(key(parts, "GET", "/part1/random-value") == "GET /{param+}")
    }

    @Test func literalBeatsParameterBeatsGreedy() throws {
        let routes = try table([("GET", "/a/b"), ("GET", "/a/{x}"), ("GET", "/a/{rest+}")])
        #expect(key(routes, "GET", "/a/b") == "GET /a/b")
        #expect(key(routes, "GET", "/a/c") == "GET /a/{x}")
        #expect(key(routes, "GET", "/a/c/d") == "GET /a/{rest+}")
        // A greedy parameter needs at least one segment.
        #expect(key(routes, "GET", "/a") == nil)
    }

    @Test func backtracksIntoParameterSiblings() throws {
        let routes = try table([("GET", "/a/b/c"), ("GET", "/a/{x}/d")])
        #expect(key(routes, "GET", "/a/b/d") == "GET /a/{x}/d")
        let match = try #require(routes.match(method: "GET", path: "/a/b/d"))
        #expect(match.pathParameters.map(\.name) == ["x"])
        #expect(match.pathParameter("x") == "b")
    }

    @Test func specificMethodBeatsAny() throws {
        let routes = try table([("ANY", "/pets"), ("GET", "/pets")])
        #expect(key(routes, "GET", "/pets") == "GET /pets")
        #expect(key(routes, "DELETE", "/pets") == "ANY /pets")
    }

    @Test func greedyValueKeepsSlashesAndEncoding() throws {
        let routes = try table([("ANY", "/files/{proxy+}")])
        let match = try #require(routes.match(method: "GET", path: "/files/a/b%20c/d.txt"))
        #expect(match.pathParameter("proxy") == "a/b%20c/d.txt")
    }

    @Test func trailingSlashAndRoot() throws {
        let routes = try table([("GET", "/"), ("GET", "/pets")])
        #expect(key(routes, "GET", "/") == "GET /")
        #expect(key(routes, "GET", "/pets/") == "GET /pets")
        #expect(key(routes, "GET", "//pets") == nil)
    }

    @Test func conflictsAreReported() throws {
        #expect(throws: RouteTableBuilder.Conflict.duplicate("GET /a")) { try table([("GET", "/a"), ("GET", "/a")]) }
        #expect(throws: RouteTableBuilder.Conflict.parameterName(existing: "id", new: "petId", path: "/pets/{petId}")) {
            try table([("GET", "/pets/{id}"), ("POST", "/pets/{petId}")])
        }
    }
}
