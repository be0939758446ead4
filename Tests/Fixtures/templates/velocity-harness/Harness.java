import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import org.apache.velocity.VelocityContext;
import org.apache.velocity.app.VelocityEngine;
import com.jayway.jsonpath.*;

public class Harness {
    // ---------- minimal ordered JSON parser ----------
    static class P { String s; int i; P(String s){this.s=s;}
        void ws(){ while(i<s.length() && Character.isWhitespace(s.charAt(i))) i++; }
        Object val(){ ws(); char c=s.charAt(i);
            if(c=='{'){ i++; LinkedHashMap<String,Object> m=new LinkedHashMap<>(); ws(); if(s.charAt(i)=='}'){i++;return m;}
                while(true){ ws(); String k=(String)val(); ws(); i++; /*:*/ Object v=val(); m.put(k,v); ws(); char d=s.charAt(i++); if(d=='}') return m; } }
            if(c=='['){ i++; ArrayList<Object> l=new ArrayList<>(); ws(); if(s.charAt(i)==']'){i++;return l;}
                while(true){ l.add(val()); ws(); char d=s.charAt(i++); if(d==']') return l; } }
            if(c=='"'){ i++; StringBuilder b=new StringBuilder(); while(true){ char d=s.charAt(i++); if(d=='"') break; if(d=='\\'){ char e=s.charAt(i++); switch(e){case 'n':b.append('\n');break;case 't':b.append('\t');break;case 'r':b.append('\r');break;case 'b':b.append('\b');break;case 'f':b.append('\f');break;case 'u':b.append((char)Integer.parseInt(s.substring(i,i+4),16));i+=4;break;default:b.append(e);} } else b.append(d);} return b.toString(); }
            if(s.startsWith("true",i)){i+=4;return Boolean.TRUE;} if(s.startsWith("false",i)){i+=5;return Boolean.FALSE;} if(s.startsWith("null",i)){i+=4;return null;}
            int st=i; while(i<s.length() && "+-0123456789.eE".indexOf(s.charAt(i))>=0) i++; String n=s.substring(st,i);
            if(n.contains(".")||n.contains("e")||n.contains("E")) return Double.valueOf(n);
            long L=Long.parseLong(n); if(L>=Integer.MIN_VALUE && L<=Integer.MAX_VALUE) return Integer.valueOf((int)L); return Long.valueOf(L);
        }
    }
    static Object parse(String s){ P p=new P(s); Object v=p.val(); return v; }
    static String ser(Object o){ StringBuilder b=new StringBuilder(); ser(o,b); return b.toString(); }
    static void ser(Object o, StringBuilder b){
        if(o==null){b.append("null");return;}
        if(o instanceof Map){ b.append('{'); boolean f=true; for(Map.Entry<?,?> e: ((Map<?,?>)o).entrySet()){ if(!f)b.append(','); f=false; str(e.getKey().toString(),b); b.append(':'); ser(e.getValue(),b);} b.append('}'); return; }
        if(o instanceof List){ b.append('['); boolean f=true; for(Object e:(List<?>)o){ if(!f)b.append(','); f=false; ser(e,b);} b.append(']'); return; }
        if(o instanceof String){ str((String)o,b); return; }
        b.append(o.toString());
    }
    static void str(String s, StringBuilder b){ b.append('"'); for(char c: s.toCharArray()){ if(c=='"') b.append("\\\""); else if(c=='\\') b.append("\\\\"); else if(c=='\n') b.append("\\n"); else if(c=='\t') b.append("\\t"); else if(c=='\r') b.append("\\r"); else if(c<0x20) b.append(String.format("\\u%04x",(int)c)); else b.append(c);} b.append('"'); }

    public static class Input {
        String body; Object root; Map<String,Map<String,String>> params;
        Input(String body, Map<String,Map<String,String>> params){ this.body=body; this.params=params; try{ root = body.isEmpty()? new LinkedHashMap<>() : parse(body);}catch(Exception e){ root=null; } }
        public String getBody(){ return body; }
        Object read(String path){ Configuration c = Configuration.builder().options(Option.SUPPRESS_EXCEPTIONS).build(); return JsonPath.using(c).parse(root).read(path); }
        public String json(String path){ return ser(read(path)); }
        public Object path(String path){ return read(path); }
        public Map<String,Map<String,String>> params(){ return params; }
        public String params(String name){ for(String t: new String[]{"path","querystring","header"}){ String v=params.get(t).get(name); if(v!=null) return v;} return ""; }
    }
    public static class Util {
        public String escapeJavaScript(String s){ return org.apache.commons.lang.StringEscapeUtils.escapeJavaScript(s); }
        public Object parseJson(String s){ return parse(s); }
        public String urlEncode(String s) throws Exception { return java.net.URLEncoder.encode(s,"UTF-8"); }
        public String urlDecode(String s) throws Exception { return java.net.URLDecoder.decode(s,"UTF-8"); }
        public String base64Encode(String s){ return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)); }
        public String base64Decode(String s){ return new String(Base64.getDecoder().decode(s),StandardCharsets.UTF_8); }
    }
    static Map<String,String> section(Map<String,Object> req, String k){ Map<String,String> m=new TreeMap<>(); Object o=req.get(k); if(o instanceof Map) for(Map.Entry<?,?> e:((Map<?,?>)o).entrySet()) m.put(e.getKey().toString(), e.getValue() instanceof String? (String)e.getValue(): ser(e.getValue())); return m; }
    // context values: JSON tree, strings as strings, numbers as their values
    public static void main(String[] a) throws Exception {
        VelocityEngine ve = new VelocityEngine();
        ve.setProperty("runtime.log.logsystem.class","org.apache.velocity.runtime.log.NullLogChute");
        ve.init();
        int fails=0;
        for(String file: a){
            String text = new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8);
            Map<String,String> sec = new HashMap<>(); String cur=null; List<String> lines=new ArrayList<>();
            String[] ls = text.split("\n",-1);
            List<String[]> order=new ArrayList<>();
            for(String l: ls){ if(l.startsWith("### ") && !l.substring(4).contains(" ")){ if(cur!=null) sec.put(cur,String.join("\n",lines)); cur=l.substring(4); lines=new ArrayList<>(); } else lines.add(l); }
            if(!lines.isEmpty() && lines.get(lines.size()-1).equals("")) lines.remove(lines.size()-1);
            if(cur!=null) sec.put(cur,String.join("\n",lines));
            Map<String,Object> req = sec.containsKey("request")? (Map<String,Object>)parse(sec.get("request")) : new LinkedHashMap<>();
            String body = sec.containsKey("body")? sec.get("body") : (req.get("body") instanceof String ? (String)req.get("body") : "");
            Map<String,Map<String,String>> params=new LinkedHashMap<>();
            params.put("path",section(req,"path")); params.put("querystring",section(req,"querystring")); params.put("header",section(req,"header"));
            VelocityContext ctx = new VelocityContext();
            ctx.put("input", new Input(body, params)); ctx.put("util", new Util());
            ctx.put("context", req.get("context") instanceof Map ? req.get("context") : new LinkedHashMap<>());
            ctx.put("stageVariables", section(req,"stageVariables"));
            StringWriter w = new StringWriter(); String out; String err=null;
            try { ve.evaluate(ctx, w, file, sec.get("template")); out=w.toString(); } catch(Exception e){ out=null; err=e.getMessage(); }
            String exp = sec.get("expected");
            boolean ok;
            if(exp!=null) ok = exp.equals(out); else ok = (out==null);
            if(!ok || System.getenv("SHOW")!=null){ if(!ok) fails++; System.out.println((ok?"OK   ":"FAIL ")+file); if(out!=null){ System.out.println("--- got:"); System.out.println(out.replace("\t","\\t")+"<<END"); } if(err!=null) System.out.println("--- error: "+err); if(exp!=null && !ok){ System.out.println("--- expected:"); System.out.println(exp+"<<END"); } }
            else System.out.println("OK   "+file+(err!=null? "   ["+err.replace("\n"," ")+"] expected-fragment="+sec.get("error"):""));
        }
        System.out.println(fails+" failed of "+a.length);
    }
}
