/**
 * The contact form's stylesheet (dist/form.js), adopted by the shadow root next to the UI's own
 * (ui/styles.ts) when the chunk arrives; what the form's loading and failed states need stays
 * there (fm the form, its paragraphs and errors, bt the button). Classes: hq the held message,
 * fd a field, ck the consent checkbox.
 */
export const FORM_CSS = `
.fm h3{font-size:16px;font-weight:600}
.fm .hq{background:#f3f4f6;border-radius:10px;padding:8px 12px;color:#1f2937;white-space:pre-wrap;overflow-wrap:anywhere;max-height:5.4em;overflow:hidden}
.fd label{display:block;font-size:13px;font-weight:600;margin-bottom:4px}
.fd input:not([type=checkbox]){width:100%;height:40px;border:1px solid #6b7280;border-radius:8px;padding:0 12px;background:#fff}
.fd input[aria-invalid=true]{border-color:#b91c1c;outline-color:#b91c1c}
.ck{display:flex;gap:8px;align-items:flex-start}
.ck label{font-weight:400;margin:0}
.ck input{width:20px;height:20px;flex:none;margin-top:1px;accent-color:var(--a)}
.ck a{color:var(--a);font-size:13px}
`;
