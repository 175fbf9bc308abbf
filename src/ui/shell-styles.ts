/**
 * The part of the widget's stylesheet the launcher shell needs (the launcher, its badge, the
 * auto-message preview): chat.js draws them before the UI chunk loads, with these rules; the UI
 * chunk keeps this sheet in the shadow root and adds its own (ui/styles.ts) after it, so both
 * draw the same pixels (and ui.js does not carry these rules again). Class names
 * are explained there. In the page corner (`.fx`) the preview and the window sit above the
 * launcher out of the flow: the fixed box keeps its size and place as they come and go, so
 * opening the chat shifts no layout (CLS 0).
 */
export const SHELL_CSS = `
:host{all:initial!important;display:block!important}
*{box-sizing:border-box;margin:0;padding:0}
button,input,textarea{font:inherit;color:inherit}
button{cursor:pointer;background:none;border:0}
svg{width:22px;height:22px;display:block}
.vc{font:15px/1.45 system-ui,sans-serif;color:#1f2937;display:flex;flex-direction:column;align-items:flex-end;gap:14px;text-align:start}
.fx{position:fixed;bottom:var(--y);z-index:var(--z)}
.r{right:var(--x)}
.l{left:var(--x);align-items:flex-start}
.in{position:relative}
.fx .pv,.fx .win{position:absolute;bottom:70px}
.fx.r .pv,.fx.r .win{right:0}
.fx.l .pv,.fx.l .win{left:0}
:focus-visible{outline:2px solid var(--a);outline-offset:2px}
.ln{width:56px;height:56px;border-radius:50%;background:var(--c);color:var(--f);display:grid;place-items:center;position:relative;box-shadow:0 4px 16px #00000038;transition:transform .15s}
.ln:hover{transform:scale(1.06)}
.ic{width:23px;height:19px;margin-bottom:2px;border-radius:50%;background:currentColor;position:relative;forced-color-adjust:none}
.ic::after{content:'';position:absolute;left:3px;bottom:-4px;border-top:7px solid;border-right:5px solid transparent;transform:rotate(12deg)}
.ln:focus-visible{outline-color:#0000;box-shadow:0 0 0 3px #fff,0 0 0 5px #111827}
.bd{position:absolute;top:-4px;inset-inline-end:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#dc2626;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;box-shadow:0 0 0 2px #fff}
.pv{position:relative;width:300px;max-width:calc(100vw - 24px);background:#fff;border-radius:14px;box-shadow:0 8px 32px #0003;animation:vc-in .2s ease-out}
.pvb{display:block;width:100%;padding:14px 16px;padding-inline-end:44px;text-align:start;border-radius:14px}
.pvb .nm{display:block;margin:0 0 4px;font-weight:600;color:#374151}
.pvt{display:-webkit-box;-webkit-line-clamp:4;-webkit-box-orient:vertical;overflow:hidden;overflow-wrap:anywhere}
.pvx{position:absolute;top:8px;inset-inline-end:8px;width:28px;height:28px;border-radius:50%;background:#f3f4f6;color:#374151;display:grid;place-items:center}
.pvx svg,.x svg{width:18px;height:18px}
@keyframes vc-in{from{opacity:0;transform:translateY(10px)}}
.nm{font-size:12px;color:#6b7280;margin:8px 6px 2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media(prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}
@media(forced-colors:active){.ln,.sd,.bt,.bb,.pv,.win,.vc .qr button,.vc .cp textarea{border:1px solid CanvasText}.ic{color:CanvasText}.ln .ic{color:ButtonText}}
`;
