/**
 * The file layer's stylesheet (dist/files.js), adopted by the shadow root next to the UI's own
 * (ui/styles.ts) when the chunk arrives; the few rules its placeholders need stay there (af
 * attach button, fs a message's files, fc file chip). Classes: dz drop target, fi the hidden file
 * input, th thumbnail, fn/fz a chip's name and kind, ups uploads, up an upload, rg rating (rb its
 * buttons, rv one), mn options menu (mb its body).
 */
export const FILES_CSS = `
.win{position:relative}
.dz{position:absolute;inset:8px;border:3px dashed var(--a);border-radius:12px;background:rgba(255,255,255,.94);display:grid;place-items:center;padding:16px;text-align:center;font-weight:600;color:var(--a);pointer-events:none;z-index:2}
.af svg{width:20px;height:20px}
.fi{display:none}
.th{display:block;padding:0;border-radius:12px;overflow:hidden;max-width:220px;box-shadow:inset 0 0 0 1px #e5e7eb}
.th img{display:block;min-width:64px;max-width:100%;max-height:200px}
.fc svg{grid-row:span 2}
.fn{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.fz{font-size:12px;color:#4b5563}
.ups{list-style:none;padding:4px 14px 8px;display:flex;flex-direction:column;max-height:40%;overflow-y:auto;flex:none}
.up progress{width:110px;accent-color:var(--a)}
.up .mt{flex-wrap:wrap;justify-content:flex-end}
.rg{border-top:1px solid #e5e7eb;padding:10px 14px;display:flex;flex-wrap:wrap;gap:8px;align-items:center;flex:none}
.rg p{flex:1;font-weight:600}
.rg .mo{color:#374151}
.rg .mo svg{width:18px;height:18px}
.rb{display:flex;gap:8px;width:100%}
.rv{flex:1;min-height:40px;border-radius:10px;box-shadow:inset 0 0 0 1.5px #d1d5db}
.rv[aria-pressed=true]{box-shadow:inset 0 0 0 2px var(--a);background:#f3f4f6;font-weight:600}
.rg textarea{width:100%;border:1px solid #6b7280;border-radius:8px;padding:8px 10px;resize:none}
.rg .bt{width:100%}
.rg .er{width:100%;flex:none;color:#b91c1c;font-size:13px;font-weight:400}
.mn{position:relative}
.mn summary{list-style:none}
.mn summary::-webkit-details-marker{display:none}
.mb{position:absolute;top:40px;inset-inline-end:0;z-index:3;width:240px;background:#fff;color:#1f2937;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.2);padding:6px;display:flex;flex-direction:column}
.mb>button{min-height:40px;text-align:start;padding:0 12px;border-radius:8px}
.mb>button:hover{background:#f3f4f6}
.mb :focus-visible{outline-color:var(--a)}
.mb form{display:flex;flex-direction:column;gap:6px;padding:6px 12px}
.mb label{font-size:13px;font-weight:600}
.mb input{height:40px;border:1px solid #6b7280;border-radius:8px;padding:0 10px;background:#fff}
.mb p:not(:empty){font-size:13px;padding:6px 12px}
`;
