import Testing

@testable import PorticoVelocity

/// The engine against Velocity 1.7's behaviour (with API Gateway's deviation: a null or undefined
/// reference renders empty).
@Suite struct TemplateTests {
    static func render(_ source: String, _ variables: [String: VelocityValue] = [:]) throws -> String {
        try Template(source).render(variables)
    }

    static let pets: VelocityValue = .list(VelocityList([
        .map(VelocityMap([("id", .integer(1)), ("type", .string("dog")), ("price", .decimal(249.99))])),
        .map(VelocityMap([("id", .integer(2)), ("type", .string("cat")), ("price", .decimal(124.99))])),
    ]))

    @Test(arguments: [
        ("plain text", "plain text"),
        ("$name and ${name}!", "Ada and Ada!"),
        ("[$missing][$!missing][${missing}]", "[][][]"),
        ("\\$name costs \\#5", "$name costs #5"),
        ("$name.length() $name.toUpperCase() $name.substring(1)", "3 ADA da"),
        ("#set($a = 5)#set($b = 2)$a $b", "5 2"),
        ("#set($x = $a + $b * 3)$x", "11"),
        ("#set($x = 7 / 2)#set($y = 7.0 / 2)#set($z = 7 % 3)$x $y $z", "3 3.5 1"),
        ("#set($s = \"Hi $name\")$s", "Hi Ada"),
        ("#set($s = 'Hi $name')$s", "Hi $name"),
        ("#set($s = \"a\" + 1 + 2)$s", "a12"),
        ("#if($flag)yes#{else}no#end", "yes"),
        ("#if($missing)yes#elseif($name == 'Ada')ada#{else}no#end", "ada"),
        ("#if($a > 3 && !($b >= 3) || false)ok#end", "ok"),
        ("#if($a gt 3 and $b lt 3)ok#end", "ok"),
        ("#if($name != 'Bob' and not $missing)ok#end", "ok"),
        ("#foreach($p in $pets)$p.type#if($foreach.hasNext), #end#end", "dog, cat"),
        ("#foreach($p in $pets)$foreach.index:$foreach.count:$velocityCount #end", "0:1:1 1:2:2 "),
        ("#foreach($i in [1..5])#if($i == 3)#break#end$i#end", "12"),
        ("#foreach($i in [3..1])$i#end", "321"),
        ("#foreach($x in [\"a\", 'b', 3])$x#end", "ab3"),
        ("#set($m = {\"k\": \"v\", \"n\": 2})$m.k $m.get('n') $m.size() $m", "v 2 2 {k=v, n=2}"),
        ("#set($l = [])#set($ignored = $l.add(1))#set($ignored = $l.add('x'))$l $l.size() $l.get(1)", "[1, x] 2 x"),
        ("#set($m = {})#set($m.key = 'value')$m.key", "value"),
        ("#set($m = {})#set($ignored = $m.put('a', 1))$m.containsKey('a') $m.keySet()", "true [a]"),
        ("#foreach($e in $map.entrySet())$e.key=$e.value;#end", "a=1;b=2;"),
        ("before#stop after", "before"),
        ("#macro(greet $who)Hello, $who!#end#greet($name) #greet('Bob')", "Hello, Ada! Hello, Bob!"),
        ("#define($block)[$name]#end$block$block", "[Ada][Ada]"),
        ("a## a comment\nb#* block\ncomment *#c", "abc"),
        ("#[[ $name #if ]]#", " $name #if "),
        ("#set($a = $missing)$a", "5"),
        ("$pets[0].type $pets[1].price", "dog 124.99"),
        ("#set($d = 1.0)#set($e = 10000000.0)$d $e", "1.0 1.0E7"),
        ("$name.replaceAll('[aA]', '_') $name.replace('d', 'D') $name.matches('[A-Z][a-z]+')", "_d_ ADa true"),
        ("#set($p = 'a-b-c')$p.replaceAll('(\\w)-', '$1+') $p.replaceFirst('-', '')", "a+b+c ab-c"),
        ("#set($csv = 'a,b,,c,,')#set($parts = $csv.split(','))$parts.size() $parts", "4 [a, b, , c]"),
        ("$name.indexOf('a') $name.startsWith('Ad') $name.endsWith('x') $name.contains('da')", "2 true false true"),
        ("'  x  '.trim()", "'  x  '.trim()"),
        ("#set($padded = '  x  ')#set($t = $padded.trim())[$t]", "[x]"),
        ("$name.equals('Ada') $name.equalsIgnoreCase('ADA') $name.isEmpty() $name.charAt(0)", "true true false A"),
        ("$name.nothing() $map.nothing", " "),
        ("$100 and $ alone and #notadirective", "$100 and $ alone and #notadirective"),
        ("a-${name}-b", "a-Ada-b"),
        // Identifiers may hold '-' in Velocity 1.7: `$name-b` is an undefined reference, rendered empty.
        ("a-$name-b", "a-"),
    ])
    func renders(_ source: String, _ expected: String) throws {
        let variables: [String: VelocityValue] = [
            "name": .string("Ada"), "flag": .bool(true), "pets": Self.pets, "a": .integer(5), "b": .integer(2),
            "map": .map(VelocityMap([("a", .integer(1)), ("b", .integer(2))])),
        ]
        #expect(try Self.render(source, variables) == expected)
    }

    /// Velocity 1.7 drops the newline right after a directive (even an inline `#end`) and keeps
    /// indentation: AWS's PetStore template puts a blank line after `#if(…),#end` to get one newline.
    @Test func directivesOnTheirOwnLinesLeaveNoBlankLines() throws {
        let source = """
            #set($inputRoot = $pets)
            [
            #foreach($elem in $inputRoot)
              {
                "id": $elem.id,
                "type": "$elem.type"
              }#if($foreach.hasNext),#end

            #end
            ]
            """
        let expected = """
            [
              {
                "id": 1,
                "type": "dog"
              },
              {
                "id": 2,
                "type": "cat"
              }
            ]
            """
        #expect(try Self.render(source, ["pets": Self.pets]) == expected)
    }

    @Test func listsAndMapsAreSharedReferences() throws {
        let output = try Self.render("#set($a = [1])#set($b = $a)#set($ignored = $b.add(2))$a", [:])
        #expect(output == "[1, 2]")
    }

    @Test(arguments: [
        ("#if($a)x", "#if has no #end", 1, 1),
        ("ok\n#end", "#end without a matching #if, #foreach, #macro or #define", 2, 1),
        ("#set($a 1)", "expected '=' after the reference in #set", 1, 9),
        ("#foreach($x of $y)#end", "#foreach needs 'in': #foreach($item in $list)", 1, 13),
        ("${unclosed", "${ is not closed with }", 1, 1),
        ("#set($s = \"open)", "a \"…\" string is not closed", 1, 11),
        ("line1\n  #if(1 +)#end", "unexpected ')' in an expression", 2, 10),
    ])
    func errorsHaveALineAndColumn(_ source: String, _ message: String, _ line: Int, _ column: Int) {
        #expect(throws: Template.Error(message: message, location: .init(line: line, column: column))) {
            _ = try Template(source)
        }
    }

    @Test func loopsAndOutputAreBounded() throws {
        var limits = Template.Limits()
        limits.maxIterations = 3
        #expect(throws: Template.Error.self) { _ = try Template("#foreach($i in [1..10])$i#end").render([:], limits: limits) }
        #expect(throws: Template.Error.self) { _ = try Template(String(repeating: "x", count: Template.maxBytes + 1)) }
        #expect(throws: Template.Error.self) { _ = try Template("#set($x = 1 / 0)").render([:]) }
    }

    @Test func javaDoublesPrintAsJavaPrintsThem() {
        #expect(VelocityValue.decimal(1).rendered == "1.0")
        #expect(VelocityValue.decimal(0.5).rendered == "0.5")
        #expect(VelocityValue.decimal(1e7).rendered == "1.0E7")
        #expect(VelocityValue.decimal(0.0001).rendered == "1.0E-4")
        #expect(VelocityValue.decimal(-2.5).rendered == "-2.5")
    }
}
