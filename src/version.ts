/** The version Waiver reports (`--version`, OpenAPI, the server's log); the package's version. */
export const VERSION = '0.3.0';
