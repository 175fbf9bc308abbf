/**
 * The auto-message layer of the script-tag build (`dist/rules.js`): the rule engine and what a
 * fire does (core/rules.ts, core/auto-messages.ts). chat.js loads it only once there are rules
 * (the options', a `welcome`'s or a `rules` frame's: core/auto-loader.ts): a site without auto
 * messages never does.
 */
export { createAutoMessages } from './core/auto-messages';
