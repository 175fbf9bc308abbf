/**
 * The UI's stylesheet, adopted by the shadow root as a constructable stylesheet after the
 * launcher's (ui/shell-styles.ts: the launcher shell adopted it, the npm entry adds it): no
 * `<style>` element and no style attribute, so a strict CSP (`style-src 'self'`) allows it.
 * Dynamic values (brand colours, offsets, z-index, viewport height) arrive as custom
 * properties set through the CSSOM on the root element:
 * `--c` brand background (colour or gradient), `--f` text on it, `--o` a shade away from `--f`
 * over it (the avatar), `--a` brand colour readable on white (or dark text), `--x`/`--y` offsets, `--z` z-index, `--vh`/`--vt` visual viewport.
 *
 * Class names are short on purpose (bytes): vc root, fx fixed corner, in inline (renderTo),
 * l/r side, o open, ln launcher, ic its speech bubble (CSS, no SVG), bd badge, pv preview,
 * win window, hd header, bn banner, lw list wrapper, ls list, sp spacer (rows left out), ld
 * older messages, nw new-messages button, m message (v visitor, a agent, b bot, t trigger,
 * s system), bb bubble, mt meta, qr quick replies, ty typing, cp composer, fm contact form (what
 * its loading and failed states need; the rest is ui/form-styles.ts, in the form chunk), sr
 * screen-reader only; files (what their placeholders need; the rest is ui/files-styles.ts, in
 * the file chunk): af attach button, fs a message's files, fc file chip.
 *
 * Text fields are 16 px on a touch screen (the last rule): iOS Safari zooms the page
 * in when a smaller one gets the focus.
 */
/**
 * Where the window is full-screen (a modal dialog): a phone either way up, a small window. A
 * phone held sideways (667×375) left the floating window a strip of messages.
 */
export const PHONE = '(max-width:480px),(max-height:480px)';

export const CSS = `.win{width:376px;max-width:calc(100vw - 24px);height:640px;max-height:calc(100dvh - var(--y) - 96px);background:#fff;border-radius:16px;box-shadow:0 12px 48px rgba(0,0,0,.24);display:flex;flex-direction:column;overflow:hidden;animation:vc-in .18s ease-out}
.in .win{max-height:none;height:560px}
.hd{background:var(--c);color:var(--f);display:flex;align-items:center;gap:12px;padding:14px;padding-inline:16px 10px;flex:none}
.av{width:40px;height:40px;border-radius:50%;flex:none;display:grid;place-items:center;font-weight:600;background:var(--o)}
.av .ic{width:18px;height:15px}
.tt{flex:1;min-width:0}
.tt h2{font-size:16px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.st{font-size:13px;display:flex;align-items:center;gap:6px}
.st i{width:8px;height:8px;border-radius:50%;background:#d1d5db}
.st i.on{background:#4ade80}
.x,.mo{width:36px;height:36px;border-radius:8px;color:inherit;display:grid;place-items:center;cursor:pointer}
.x:hover,.mo:hover{background:rgba(127,127,127,.25)}
.hd :focus-visible{outline-color:var(--f)}
.ls:focus-visible{outline-offset:-2px}
.bn:not(:empty){background:#fef3c7;color:#78350f;font-size:13px;padding:6px 16px;text-align:center;flex:none}
.lw{flex:1 1 0;min-height:0;position:relative;display:flex;flex-direction:column}
.ls{flex:1 1 0;min-height:0;overflow-y:auto;overflow-anchor:none;overscroll-behavior:contain;contain:strict;list-style:none;padding:12px 14px 16px;display:flex;flex-direction:column;gap:2px;position:relative}
.sp{flex:none}
.ld{align-self:center;display:flex;align-items:center;min-height:32px;font-size:13px;color:#4b5563;margin:4px 0}
.ld button{min-height:32px;padding:0 12px;border-radius:16px;color:var(--a);text-decoration:underline}
.nw{position:absolute;bottom:12px;left:50%;transform:translateX(-50%);min-height:36px;padding:0 16px;border-radius:18px;background:var(--c);color:var(--f);font-size:13px;font-weight:600;box-shadow:0 4px 12px rgba(0,0,0,.2);white-space:nowrap}
.dy{align-self:center;font-size:12px;color:#6b7280;margin:10px 0 4px}
.m{display:flex;flex-direction:column;align-items:flex-start;max-width:85%;margin-top:4px}
.m.v{align-self:flex-end;align-items:flex-end}
.tg{font-size:10px;font-weight:700;letter-spacing:.04em;text-transform:uppercase;background:#e5e7eb;color:#374151;border-radius:4px;padding:1px 5px;margin-inline-start:6px}
.bb{padding:8px 12px;border-radius:18px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere}
.bb a{color:inherit;text-decoration:underline}
.v .bb{background:var(--c);color:var(--f);border-end-end-radius:6px}
.a .bb,.b .bb,.t .bb{border-end-start-radius:6px}
.b .bb{background:#eef2ff}
.t .bb{background:#fff;box-shadow:inset 0 0 0 1px #d1d5db}
.m.s{align-self:center;align-items:center;max-width:90%;text-align:center;color:#4b5563;font-size:13px;font-style:italic}
.s .bb{background:none;padding:2px}
.mt{font-size:11px;color:#6b7280;margin:3px 6px 0;display:flex;align-items:center;gap:4px}
.fl .mt{color:#b91c1c}
.rt{min-height:24px;padding:0 4px;color:#b91c1c;font-size:12px;font-weight:600;text-decoration:underline}
.qr{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
.qr button{min-height:32px;padding:5px 14px;border-radius:16px;background:#fff;color:var(--a);box-shadow:inset 0 0 0 1.5px var(--a);font-size:14px;font-weight:500}
.qr button:hover{background:var(--c);color:var(--f);box-shadow:none}
.ty .bb{display:flex;gap:4px;padding:13px 14px}
.ty i{width:7px;height:7px;border-radius:50%;background:#9ca3af;animation:vc-b 1.2s infinite}
.ty i:nth-child(3){animation-delay:.15s}
.ty i:nth-child(4){animation-delay:.3s}
@keyframes vc-b{30%{transform:translateY(-4px);opacity:.6}}
.cp{border-top:1px solid #e5e7eb;padding:10px;padding-inline-start:14px;display:flex;flex-wrap:wrap;align-items:flex-end;gap:8px;flex:none}
.cp textarea{flex:1;min-width:0;min-height:40px;max-height:132px;field-sizing:content;resize:none;border:0;border-radius:20px;background:#f3f4f6;box-shadow:inset 0 0 0 1px #7b8494;padding:9px 14px;line-height:1.45}
.cp textarea::placeholder{color:#4b5563}
.sd{width:40px;height:40px;border-radius:50%;flex:none;background:var(--c);color:var(--f);display:grid;place-items:center}
.sd:disabled{opacity:.45;cursor:default}
.sd svg{width:20px;height:20px}
[dir=rtl] .sd svg{transform:scaleX(-1)}
.cn{width:100%;font-size:12px;color:#6b7280;text-align:end;padding-inline-end:50px}
.fm{border-top:1px solid #e5e7eb;padding:14px 16px 16px;display:flex;flex-direction:column;gap:10px;overflow-y:auto;flex:0 1 auto;min-height:0}
.fm>*{flex:none}
.fm p{font-size:13px;color:#4b5563}
.fm .er{color:#b91c1c;font-size:12px;margin-top:4px}
.bt{min-height:44px;border-radius:10px;background:var(--c);color:var(--f);font-weight:600;padding:0 16px}
.af{width:40px;height:40px;border-radius:50%;flex:none;display:grid;place-items:center;background:#f3f4f6;color:#374151}
.fs{display:flex;flex-direction:column;align-items:inherit;gap:4px;margin-top:4px}
.fc{display:grid;grid-template-columns:auto minmax(0,1fr);column-gap:8px;align-items:center;text-align:start;max-width:260px;padding:8px 12px;border-radius:12px;background:#f1f3f5;color:#1f2937}
@media ${PHONE}{
.fx .win{position:fixed;left:0;right:0;top:var(--vt,0);width:auto;max-width:none;height:100vh;height:var(--vh,100dvh);max-height:none;border-radius:0;padding:0 env(safe-area-inset-right) env(safe-area-inset-bottom) env(safe-area-inset-left);animation:none}
.fx .hd{padding-top:calc(14px + env(safe-area-inset-top))}
.fx.o .ln,.fx.o .pv{display:none}
}
@media ${PHONE},(pointer:coarse){.vc input,.vc textarea{font-size:16px}}
`;
