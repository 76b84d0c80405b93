// The controller's logger: the one shared implementation in protocol/log.ts (the agent prints the same lines).
export { type LogLevel, type Logger, type LoggerOptions, createLogger, errorMessage, silentLogger } from '../../protocol/log';
