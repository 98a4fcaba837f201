import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { SourceMapConsumer } from 'source-map-js';
const dir = process.argv[2] || '.output/chrome-mv3';
const code = readFileSync(dir + '/background.js', 'utf8');
const map = JSON.parse(readFileSync(dir + '/background.js.map', 'utf8'));
const c = new SourceMapConsumer(map);
const lines = code.split('\n');
const byFile = new Map();
let prev = null;
const segs = [];
c.eachMapping((m) => segs.push(m));
segs.sort((a,b)=>a.generatedLine-b.generatedLine||a.generatedColumn-b.generatedColumn);
for (let i=0;i<segs.length;i++){
  const s=segs[i], n=segs[i+1];
  const line=lines[s.generatedLine-1];
  const end = n && n.generatedLine===s.generatedLine ? n.generatedColumn : line.length;
  const text=line.slice(s.generatedColumn,end);
  const f=(s.source||'?').replace(/.*node_modules\//,'nm/').replace(/^.*?\/work\/main\//,'');
  byFile.set(f,(byFile.get(f)||'')+text);
}
const rows=[...byFile].map(([f,t])=>[f,t.length,gzipSync(t,{level:9}).length]).sort((a,b)=>b[1]-a[1]);
let tot=0; for(const r of rows){tot+=r[1];}
for(const r of rows.slice(0,70)) console.log(String(r[1]).padStart(7),String(r[2]).padStart(6),r[0]);
console.log('total mapped',tot,'of',code.length, 'gz', gzipSync(code,{level:9}).length);
