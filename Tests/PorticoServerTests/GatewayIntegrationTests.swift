import Foundation
import NIOCore
import NIOPosix
import PorticoTesting
import Testing

/// The whole gateway in-process on ephemeral ports, with a real upstream and a real client.
@Suite(.serialized) struct GatewayIntegrationTests {
    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    static func project(upstreamPort: Int, limits: String = "", extraPaths: String = "") -> [String: String] {
        [
            "portico.yaml": """
                listeners: [{host: 127.0.0.1, port: 0}]
                admin: {host: 127.0.0.1, port: 0}
                accessLog: {enabled: false}
                \(limits)
                apis:
                  - {name: rest, id: restapi1, type: REST, definition: rest.yaml, stages: [{name: prod, variables: {up: "127.0.0.1:\(upstreamPort)"}}]}
                  - {name: http, id: httpapi1, type: HTTP, definition: http.yaml}
                  - {name: mapped, id: mapped1, type: REST, definition: mapped.yaml, stages: [{name: live}]}
                  - {name: checked, id: checked1, type: REST, definition: checked.yaml, stages: [{name: v}]}
                  - {name: shaped, id: shaped1, type: REST, definition: shaped.yaml, stages: [{name: s}]}
                  - {name: binary, id: binary1, type: REST, definition: binary.yaml, stages: [{name: b}]}
                """,
            "binary.yaml": """
                openapi: 3.0.1
                info: {title: binary, version: "1"}
                x-amazon-apigateway-binary-media-types: [application/octet-stream, image/*]
                paths:
                  /blob:
                    get:
                      x-amazon-apigateway-integration:
                        {type: http, httpMethod: GET, uri: "http://127.0.0.1:\(upstreamPort)/stream/3", responses: {default: {statusCode: "200"}}}
                  /blob-text:
                    get:
                      x-amazon-apigateway-integration:
                        {type: http, httpMethod: GET, uri: "http://127.0.0.1:\(upstreamPort)/stream/3", responses: {default: {statusCode: "200", contentHandling: CONVERT_TO_TEXT}}}
                  /upload:
                    post:
                      x-amazon-apigateway-integration:
                        {type: http, httpMethod: POST, uri: "http://127.0.0.1:\(upstreamPort)/echo/upload", contentHandling: CONVERT_TO_TEXT, responses: {default: {statusCode: "200"}}}
                  /decode:
                    post:
                      x-amazon-apigateway-integration:
                        {type: http, httpMethod: POST, uri: "http://127.0.0.1:\(upstreamPort)/echo/decode", contentHandling: CONVERT_TO_BINARY, responses: {default: {statusCode: "200"}}}
                """,
            "checked.yaml": validatedDefinition(upstreamPort: upstreamPort),
            "shaped.yaml": validatedDefinition(upstreamPort: upstreamPort) + """
                x-amazon-apigateway-gateway-responses:
                  BAD_REQUEST_BODY:
                    statusCode: 422
                    responseTemplates: {application/json: '{"problem": "$context.error.validationErrorString"}'}
                  BAD_REQUEST_PARAMETERS:
                    responseTemplates: {application/json: '{"problem": $context.error.messageString}'}

                """,
            "rest.yaml": """
                openapi: 3.0.1
                info: {title: rest, version: "1"}
                paths:
                  /mock:
                    get:
                      x-amazon-apigateway-integration:
                        type: mock
                        requestTemplates: {application/json: '{"statusCode": 200}'}
                        responses: {default: {statusCode: "200", responseTemplates: {application/json: '{"mock": true}'}}}
                  /proxy/{proxy+}:
                    x-amazon-apigateway-any-method:
                      x-amazon-apigateway-integration:
                        type: http_proxy
                        httpMethod: ANY
                        uri: "http://${stageVariables.up}/{proxy}"
                  /slow:
                    get:
                      x-amazon-apigateway-integration:
                        {type: http_proxy, httpMethod: GET, uri: "http://${stageVariables.up}/delay/1000", timeoutInMillis: 200}
                  /down:
                    get:
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:1/"}
                  /mapped:
                    get:
                      x-amazon-apigateway-integration:
                        type: http
                        httpMethod: GET
                        uri: "http://${stageVariables.up}/status/404"
                        responses:
                          "4\\\\d{2}":
                            statusCode: "400"
                            responseParameters: {method.response.header.X-Upstream-Type: integration.response.header.content-type}
                          default: {statusCode: "200"}
                \(extraPaths)
                """,
            "http.yaml": """
                openapi: 3.0.1
                info: {title: http, version: "1"}
                paths:
                  /items/{id}:
                    get:
                      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: GET, uri: "http://127.0.0.1:\(upstreamPort)/echo/{id}"}
                  /mapped/{id}:
                    get:
                      x-amazon-apigateway-integration:
                        type: http_proxy
                        httpMethod: GET
                        uri: "http://127.0.0.1:\(upstreamPort)/echo/x"
                        requestParameters:
                          "append:header.x-request": "$context.requestId"
                          "overwrite:header.x-from-query": "$request.querystring.who"
                          "remove:header.x-secret": "''"
                          "overwrite:path": "$request.path"
                          "remove:querystring.drop": "''"
                          "append:querystring.added": "yes"
                        responseParameters:
                          "200":
                            "overwrite:statuscode": "202"
                            "append:header.x-upstream-copy": "$response.header.x-upstream"
                            "remove:header.server": "''"
                """,
            "mapped.yaml": """
                openapi: 3.0.1
                info: {title: mapped, version: "1"}
                paths:
                  /things/{id}:
                    get:
                      x-amazon-apigateway-integration:
                        type: http
                        httpMethod: GET
                        uri: "http://127.0.0.1:\(upstreamPort)/echo/{id}"
                        requestParameters: {integration.request.path.id: method.request.path.id}
                        responses:
                          default:
                            statusCode: "200"
                            responseParameters: {method.response.header.X-Up: integration.response.header.x-upstream}
                            responseTemplates:
                              application/json: '#set($lines = $input.body.split("\\n")){"first": "$lines[0]", "id": "$input.params(''id'')", "stage": "$context.stage"}'
                              text/plain: 'fixed text'
                  /frombody:
                    post:
                      x-amazon-apigateway-integration:
                        type: http
                        httpMethod: POST
                        uri: "http://127.0.0.1:\(upstreamPort)/echo/{kind}"
                        requestParameters:
                          integration.request.path.kind: method.request.body.kind
                          integration.request.querystring.n: method.request.body.count
                          integration.request.header.X-Owner: method.request.body.owner.name
                          integration.request.header.X-Missing: method.request.body.nothing
                        responses: {default: {statusCode: "200"}}
                  /override/{id}:
                    post:
                      x-amazon-apigateway-integration:
                        type: http
                        httpMethod: POST
                        uri: "http://127.0.0.1:\(upstreamPort)/echo/{id}/tail?q=old&keep=1"
                        requestParameters: {integration.request.path.id: method.request.path.id}
                        requestTemplates:
                          application/json: '#set($context.requestOverride.header.X-Extra = "added")#set($context.requestOverride.querystring.q = "new value")#set($context.requestOverride.path.id = "other")#set($context.requestOverride.header.Content-Type = "text/x-overridden"){"id": "$input.params(''id'')"}'
                        responses: {default: {statusCode: "200"}}
                  /things:
                    post:
                      x-amazon-apigateway-integration:
                        type: http
                        httpMethod: POST
                        uri: "http://127.0.0.1:\(upstreamPort)/echo/post"
                        passthroughBehavior: WHEN_NO_TEMPLATES
                        requestTemplates:
                          application/json: '{"wrapped": $input.json(''$.item''), "who": "$input.params(''who'')"}'
                        responses: {default: {statusCode: "201"}}
                """,
        ]
    }

    /// An API with request validators: a body model by `$ref`, required query and header
    /// parameters, a body-only validator on a MOCK, and a method without validation.
    static func validatedDefinition(upstreamPort: Int) -> String {
        """
        openapi: 3.0.1
        info: {title: checked, version: "1"}
        x-amazon-apigateway-request-validators:
          all: {validateRequestBody: true, validateRequestParameters: true}
          body-only: {validateRequestBody: true, validateRequestParameters: false}
        x-amazon-apigateway-request-validator: all
        components:
          schemas:
            Order:
              type: object
              required: [name, quantity]
              properties:
                name: {type: string, minLength: 1}
                quantity: {type: integer, minimum: 1}
                tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}
            Tag: {type: string, enum: [red, blue]}
        paths:
          /orders:
            post:
              parameters:
                - {name: region, in: query, required: true, schema: {type: string}}
                - {name: x-client, in: header, required: true, schema: {type: string}}
                - {name: note, in: query, schema: {type: string}}
              requestBody:
                content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}
              x-amazon-apigateway-integration: {type: http_proxy, httpMethod: POST, uri: "http://127.0.0.1:\(upstreamPort)/echo/orders"}
          /quick:
            post:
              x-amazon-apigateway-request-validator: body-only
              parameters:
                - {name: region, in: query, required: true, schema: {type: string}}
              requestBody:
                content: {application/json: {schema: {type: object, required: [ok], properties: {ok: {type: boolean}}}}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": #if($input.path(''$.ok''))200#{else}409#end}'}
                responses:
                  "409": {statusCode: "409", responseTemplates: {application/json: '{"ok": false}'}}
                  default: {statusCode: "200", responseTemplates: {application/json: '{"ok": true}'}}

        """
    }

    func withGateway(limits: String = "", _ body: (TestGateway, FakeUpstream) async throws -> Void) async throws {
        let upstream = try await FakeUpstream.start(group: Self.group)
        let gateway = try await TestGateway.start(files: Self.project(upstreamPort: upstream.port, limits: limits))
        do {
            try await body(gateway, upstream)
        } catch {
            await gateway.stop()
            await upstream.stop()
            throw error
        }
        await gateway.stop()
        await upstream.stop()
    }

    @Test func responseTemplatesRenderTheIntegrationsBody() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let json = try client.request("GET", "/live/things/42", headers: [("Accept", "application/json")])
            #expect(json.status == 200)
            #expect(json.text == #"{"first": "method=GET", "id": "42", "stage": "live"}"#)
            #expect(json.header("X-Up") == "yes")
            #expect(json.header("content-type") == "application/json")
            let text = try client.request("GET", "/live/things/42", headers: [("Accept", "text/plain")])
            #expect(text.text == "fixed text", "a literal template answers instead of the integration's body")
            // The connection stays usable after a buffered, templated response.
            #expect(try client.request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func requestTemplatesBuildTheIntegrationsBody() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let posted = try client.request("POST", "/live/things?who=ada", headers: [("Content-Type", "application/json")], body: #"{"item": {"n": 1}, "ignored": true}"#)
            #expect(posted.status == 201)
            let expected = #"{"wrapped": {"n":1}, "who": "ada"}"#
            #expect(posted.text.contains("body-bytes=\(expected.utf8.count)"), "\(posted.text)")
            #expect(posted.text.contains("body=" + expected), "\(posted.text)")
            // WHEN_NO_TEMPLATES with templates but none for the type: 415.
            let refused = try client.request("POST", "/live/things", headers: [("Content-Type", "text/plain")], body: "x")
            #expect(refused.status == 415)
            #expect(try client.request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func requestValidatorsCheckParametersAndBodies() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let json = [("Content-Type", "application/json"), ("x-client", "t")]
            let good = #"{"name": "tea", "quantity": 2, "tags": ["red"]}"#
            let passed = try client.request("POST", "/v/orders?region=eu", headers: json, body: good)
            #expect(passed.status == 200)
            #expect(passed.text.contains("body=" + good), "the validated body goes upstream unchanged: \(passed.text)")

            let missing = try client.request("POST", "/v/orders", headers: [("Content-Type", "application/json")], body: good)
            #expect(missing.status == 400)
            #expect(missing.text == #"{"message": "Missing required request parameters: [x-client, region]"}"# || missing.text == #"{"message": "Missing required request parameters: [region, x-client]"}"#, "\(missing.text)")
            #expect(missing.header("x-amzn-ErrorType") == "BadRequestException")

            for bad in [#"{"name": "tea"}"#, #"{"name": "", "quantity": 2}"#, #"{"name": "tea", "quantity": 0.5}"#, #"{"name": "tea", "quantity": 1, "tags": ["green"]}"#, "not json", "[1]"] {
                let refused = try client.request("POST", "/v/orders?region=eu", headers: json, body: bad)
                #expect(refused.status == 400, "\(bad)")
                #expect(refused.text == #"{"message": "Invalid request body"}"#, "\(bad)")
            }
            // Only JSON bodies have a model: another content type is not checked, as on AWS.
            let plain = try client.request("POST", "/v/orders?region=eu", headers: [("Content-Type", "text/plain"), ("x-client", "t")], body: "anything")
            #expect(plain.status == 200)

            // Body-only validator: parameters are not checked; the MOCK runs after the body passed.
            let mocked = try client.request("POST", "/v/quick", headers: [("Content-Type", "application/json")], body: #"{"ok": true}"#)
            #expect(mocked.status == 200)
            #expect(mocked.text == #"{"ok": true}"#)
            let conflict = try client.request("POST", "/v/quick", headers: [("Content-Type", "application/json")], body: #"{"ok": false}"#)
            #expect(conflict.status == 409)
            let wrong = try client.request("POST", "/v/quick", headers: [("Content-Type", "application/json")], body: #"{"ok": "yes"}"#)
            #expect(wrong.status == 400)
            // The connection stays usable after a refused body.
            #expect(try client.request("POST", "/v/quick", headers: [("Content-Type", "application/json")], body: #"{"ok": true}"#).status == 200)

            // Customised gateway responses see the validation errors.
            let shaped = try client.request("POST", "/s/orders?region=eu", headers: json, body: #"{"name": "tea", "quantity": "2"}"#)
            #expect(shaped.status == 422)
            #expect(shaped.text.contains(#"{"problem": "[instance type (string) does not match any allowed primitive type"#), "\(shaped.text)")
            #expect(shaped.text.contains("(at /quantity)"), "\(shaped.text)")
            let shapedMissing = try client.request("POST", "/s/orders?region=eu", headers: [("Content-Type", "application/json")], body: good)
            #expect(shapedMissing.status == 400)
            #expect(shapedMissing.text == #"{"problem": "Missing required request parameters: [x-client]"}"#, "\(shapedMissing.text)")
        }
    }

    @Test func binaryMediaAndContentHandling() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            // A binary integration response: as is when the client accepts binary, else base64.
            let raw = try client.request("GET", "/b/blob", headers: [("Accept", "application/octet-stream")])
            #expect(raw.status == 200 && raw.text == "xxx", "\(raw.status) \(raw.text)")
            #expect(raw.header("content-type") == "application/octet-stream")
            let encoded = try client.request("GET", "/b/blob", headers: [("Accept", "application/json")])
            #expect(encoded.text == "eHh4", "\(encoded.text)")
            let converted = try client.request("GET", "/b/blob-text", headers: [("Accept", "application/octet-stream")])
            #expect(converted.text == "eHh4", "CONVERT_TO_TEXT wins over Accept: \(converted.text)")
            // Requests: a binary body goes upstream as base64 text, base64 text as binary.
            let upload = try client.request("POST", "/b/upload", headers: [("Content-Type", "image/png")], body: "abc")
            #expect(upload.text.contains("body-bytes=4\nbody=YWJj"), "\(upload.text)")
            let decoded = try client.request("POST", "/b/decode", headers: [("Content-Type", "text/plain")], body: "aGVsbG8=")
            #expect(decoded.text.contains("body-bytes=5\nbody=hello"), "\(decoded.text)")
            let refused = try client.request("POST", "/b/decode", headers: [("Content-Type", "text/plain")], body: "not base64!")
            #expect(refused.status == 500)
            #expect(try client.request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func parametersMappedFromTheBody() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let body = #"{"kind": "pets", "count": 3, "owner": {"name": "ada"}}"#
            let response = try client.request("POST", "/live/frombody", headers: [("Content-Type", "application/json")], body: body)
            #expect(response.status == 200)
            #expect(response.text.contains("uri=/echo/pets?n=3"), "\(response.text)")
            #expect(response.text.contains("header x-owner=ada"), "\(response.text)")
            #expect(!response.text.contains("x-missing"), "\(response.text)")
            #expect(response.text.contains("body-bytes=\(body.utf8.count)\nbody=" + body), "the body goes on unchanged: \(response.text)")
        }
    }

    @Test func requestOverridesChangeTheIntegrationRequest() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let response = try client.request("POST", "/live/override/7", headers: [("Content-Type", "application/json")], body: "{}")
            #expect(response.status == 200)
            #expect(response.text.contains("uri=/echo/other/tail?keep=1&q=new%20value"), "\(response.text)")
            #expect(response.text.contains("header x-extra=added"), "\(response.text)")
            #expect(response.text.contains("header content-type=text/x-overridden"), "\(response.text)")
            #expect(response.text.contains(#"body={"id": "7"}"#), "the template still sees the client's values: \(response.text)")
        }
    }

    @Test func httpAPIParameterMappings() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let response = try client.request("GET", "/mapped/7?who=ada&drop=1&keep=2", host: "httpapi1.execute-api.localhost", headers: [("X-Secret", "s3"), ("X-From-Query", "old")])
            #expect(response.status == 202, "overwrite:statuscode")
            #expect(response.text.contains("uri=/mapped/7?who=ada&keep=2&added=yes"), "\(response.text)")
            #expect(response.text.contains("header x-from-query=ada"), "\(response.text)")
            #expect(!response.text.contains("old"), "overwritten: \(response.text)")
            #expect(!response.text.contains("x-secret"), "removed: \(response.text)")
            #expect(response.text.contains("header x-request="), "\(response.text)")
            #expect(response.header("x-upstream-copy") == "yes")
            #expect(response.header("server") == nil)
        }
    }

    @Test func proxiesWithAWSHeaders() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let response = try client.request("GET", "/prod/proxy/echo/a?x=1&x=2", headers: [("Connection", "keep-alive, X-Hop"), ("X-Hop", "1"), ("X-Keep", "2")])
            #expect(response.status == 200)
            #expect(response.text.contains("uri=/echo/a?x=1&x=2"))
            #expect(response.text.contains("header x-keep=2"))
            #expect(!response.text.contains("x-hop"))
            #expect(response.text.contains("header x-forwarded-for=127.0.0.1"))
            #expect(response.text.contains("header x-forwarded-proto=http"))
            #expect(response.text.contains("header x-forwarded-port=\(gateway.port)"))
            #expect(response.header("x-amzn-RequestId")?.count == 36)
            #expect(response.header("x-amz-apigw-id")?.count == 16)
            #expect(response.header("x-upstream") == "yes")
            #expect(response.header("x-amzn-Remapped-Server") == "fake-upstream")
            #expect(response.header("keep-alive") == nil)
            // The connection stays open for the next request.
            #expect(try client.request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func httpAPIUsesItsOwnHeadersAndErrors() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let ok = try client.request("GET", "/items/7", host: "httpapi1.execute-api.localhost")
            #expect(ok.status == 200)
            #expect(ok.text.contains("uri=/echo/7"))
            #expect(ok.header("apigw-requestid") != nil)
            #expect(ok.header("x-amzn-RequestId") == nil)
            let missing = try client.request("GET", "/nothing", host: "httpapi1.execute-api.localhost")
            #expect(missing.status == 404)
            #expect(missing.text == #"{"message":"Not Found"}"#)
        }
    }

    @Test func mockAndMissingRoutes() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let mock = try client.request("GET", "/prod/mock")
            #expect(mock.status == 200)
            #expect(mock.text == #"{"mock": true}"#)
            #expect(mock.header("content-type") == "application/json")
            let missing = try client.request("GET", "/prod/nothing")
            #expect(missing.status == 403)
            #expect(missing.text == #"{"message": "Missing Authentication Token"}"#)
            #expect(missing.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException")
            let byRestapis = try client.request("GET", "/restapis/restapi1/prod/_user_request_/mock")
            #expect(byRestapis.status == 200)
        }
    }

    @Test func integrationTimeoutIs504() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let started = Date()
            let response = try client.request("GET", "/prod/slow")
            #expect(response.status == 504)
            #expect(response.text == #"{"message": "Endpoint request timed out"}"#)
            #expect(Date().timeIntervalSince(started) < 0.9)
            // The connection is still usable.
            #expect(try client.request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func unreachableUpstreamIs500() async throws {
        try await withGateway { gateway, _ in
            let response = try gateway.client().request("GET", "/prod/down")
            #expect(response.status == 500)
            #expect(response.text == #"{"message": "Internal server error"}"#)
            #expect(response.header("x-amzn-ErrorType") == "InternalServerErrorException")
        }
    }

    @Test func upstreamClosingWithoutAnswerIs500() async throws {
        try await withGateway { gateway, _ in
            let response = try gateway.client().request("GET", "/prod/proxy/close")
            #expect(response.status == 500)
        }
    }

    @Test func vanishingClientsDoNotDisturbOthers() async throws {
        try await withGateway { gateway, upstream in
            var clients: [RawHTTPClient] = []
            for _ in 0..<5 {
                let client = try gateway.client()
                try client.send("GET /prod/proxy/delay/300 HTTP/1.1\r\nHost: a\r\n\r\n")
                try client.send("POST /prod/proxy/sink HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\npartial")
                clients.append(client)
            }
            try await Task.sleep(nanoseconds: 150_000_000)
            clients.removeAll()  // the clients vanish mid-exchange
            try await Task.sleep(nanoseconds: 400_000_000)
            let client = try gateway.client()
            for _ in 0..<3 { #expect(try client.request("GET", "/prod/proxy/echo/ok").status == 200) }
            #expect(upstream.received.filter { $0.uri == "/delay/300" }.count == 5)
        }
    }

    @Test func httpIntegrationMapsStatusAndHeaders() async throws {
        try await withGateway { gateway, _ in
            let response = try gateway.client().request("GET", "/prod/mapped")
            #expect(response.status == 400)
            #expect(response.header("X-Upstream-Type") == "text/plain")
            #expect(response.text == "status")
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        try await withGateway(limits: "limits: {maxPayloadBytes: 1000}") { gateway, _ in
            let declared = try gateway.client()
            let response = try declared.request("POST", "/prod/proxy/sink", body: String(repeating: "a", count: 1001))
            #expect(response.status == 413)
            #expect(response.text == "HTTP content length exceeded 1000 bytes.")
            #expect(declared.isClosedByPeer())

            let chunked = try gateway.client()
            try chunked.send("POST /prod/proxy/sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            try chunked.send("3e8\r\n" + String(repeating: "b", count: 1000) + "\r\n")
            try chunked.send("2\r\nbb\r\n0\r\n\r\n")
            let streamed = try chunked.readResponse()
            #expect(streamed.status == 413)

            let small = try gateway.client().request("POST", "/prod/proxy/sink", body: String(repeating: "c", count: 1000))
            #expect(small.status == 200)
            #expect(small.text == "1000")
        }
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() async throws {
        try await withGateway { gateway, upstream in
            let client = try gateway.client()
            try client.send("POST /prod/proxy/sink HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            #expect(try client.readRawLine() == "HTTP/1.1 100 Continue")
            #expect(try client.readRawLine() == "")
            try client.send("hello")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.text == "5")
            #expect(upstream.received.last?.headers["expect"].isEmpty == true)
        }
    }

    @Test func oversizedHeadersAre431() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let response = try client.request("GET", "/prod/mock", headers: [("X-Big", String(repeating: "h", count: 10_300))])
            #expect(response.status == 431)
            #expect(response.text == "HTTP header is larger than 10240 bytes.")
        }
    }

    @Test(arguments: [
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "NOT HTTP AT ALL\r\n\r\n",
        "POST /prod/proxy/sink HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ])
    func malformedRequestsGet400AndClose(_ raw: String) async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            try client.send(raw)
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(client.isClosedByPeer())
            // The gateway keeps serving others.
            #expect(try gateway.client().request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func pipelinedRequestsAnswerInOrder() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            try client.send(
                "GET /prod/proxy/delay/50 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /prod/mock HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "GET /prod/proxy/echo/3 HTTP/1.1\r\nHost: a\r\n\r\n")
            let first = try client.readResponse()
            let second = try client.readResponse()
            let third = try client.readResponse()
            #expect(first.text == "delayed 50")
            #expect(second.text == #"{"mock": true}"#)
            #expect(third.text.contains("uri=/echo/3"))
        }
    }

    @Test func requestAndResponseBodiesStream() async throws {
        try await withGateway(limits: "limits: {maxPayloadBytes: 67108864}") { gateway, _ in
            let size = 50 * 1024 * 1024
            let client = try gateway.client()
            try client.send("POST /prod/proxy/sink HTTP/1.1\r\nHost: a\r\nContent-Length: \(size)\r\n\r\n")
            let chunk = [UInt8](repeating: UInt8(ascii: "z"), count: 1 << 20)
            for _ in 0..<50 { try client.send(chunk) }
            let upload = try client.readResponse()
            #expect(upload.status == 200)
            #expect(upload.text == "\(size)")

            try client.send("GET /prod/proxy/stream/\(size) HTTP/1.1\r\nHost: a\r\n\r\n")
            let download = try client.readResponseCountingBody()
            #expect(download.status == 200)
            #expect(download.bytes == size)
            // Bounded memory is measured on the real binary, in CLITests.
        }
    }

    @Test func idleAndStalledClientsAreDisconnected() async throws {
        try await withGateway(limits: "limits: {idleTimeoutSeconds: 1, requestHeadTimeoutSeconds: 1}") { gateway, _ in
            let idle = try gateway.client()
            #expect(try idle.request("GET", "/prod/mock").status == 200)
            let stalledHead = try gateway.client()
            try stalledHead.send("GET /prod/mock HTTP/1.1\r\nHost: a\r\nX-Slow: ")
            let stalledBody = try gateway.client()
            try stalledBody.send("POST /prod/proxy/sink HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\nonly part")
            let started = Date()
            #expect(idle.isClosedByPeer())
            #expect(stalledHead.isClosedByPeer())
            #expect(stalledBody.isClosedByPeer())
            #expect(Date().timeIntervalSince(started) < 4)
            // Others are served meanwhile.
            #expect(try gateway.client().request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func chunkedResponsesForHTTP11AndCloseDelimitedForHTTP10() async throws {
        try await withGateway { gateway, _ in
            let modern = try gateway.client()
            try modern.send("GET /prod/proxy/stream/100000 HTTP/1.1\r\nHost: a\r\n\r\n")
            let chunked = try modern.readResponse()
            #expect(chunked.header("transfer-encoding") == "chunked")
            #expect(chunked.body.count == 100_000)
            #expect(try modern.request("GET", "/prod/mock").status == 200)

            let old = try gateway.client()
            try old.send("GET /prod/proxy/stream/100000 HTTP/1.0\r\n\r\n")
            let delimited = try old.readResponse()
            #expect(delimited.header("transfer-encoding") == nil)
            #expect(delimited.header("connection") == "close")
            #expect(delimited.body.count == 100_000)
        }
    }

    @Test func headAndNoContentResponsesHaveNoBody() async throws {
        try await withGateway { gateway, _ in
            let client = try gateway.client()
            let head = try client.request("HEAD", "/prod/proxy/echo/x")
            #expect(head.status == 200)
            #expect(head.header("content-length") != nil)
            let next = try client.request("GET", "/prod/mock")
            #expect(next.text == #"{"mock": true}"#)
            let empty = try client.request("GET", "/prod/proxy/status/204")
            #expect(empty.status == 204)
            #expect(try client.request("GET", "/prod/mock").status == 200)
        }
    }

    @Test func metricsAndHealthOnTheAdminListener() async throws {
        try await withGateway { gateway, _ in
            _ = try gateway.client().request("GET", "/prod/mock")
            _ = try gateway.client().request("GET", "/prod/nothing")
            let admin = try RawHTTPClient(port: try #require(gateway.adminPort))
            #expect(try admin.request("GET", "/health").status == 200)
            #expect(try admin.request("GET", "/ready").status == 200)
            let metrics = try admin.request("GET", "/metrics")
            #expect(metrics.text.contains(#"portico_count_total{api="restapi1",stage="prod",method="GET",resource="/mock"} 1"#))
            #expect(metrics.text.contains(#"portico_4xx_error_total{api="restapi1",stage="prod",method="-",resource="-"} 1"#))
            #expect(metrics.text.contains("portico_latency_milliseconds_bucket"))
        }
    }
}

