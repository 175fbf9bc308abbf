/**
 * The HTTP transport as a chunk of the script-tag build (`dist/http.js`): widget.js loads it
 * only for sites that choose `transport: 'http'`, so WebSocket sites never download it.
 */
export { createHttpTransport } from './transport/http';
