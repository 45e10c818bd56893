/** Entry of the compiled CLI (exporter/dist/cli.js, started by bin/modelwatch.mjs). */
import { main } from './main';

process.exitCode = await main(process.argv);
