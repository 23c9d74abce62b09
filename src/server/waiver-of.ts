import type { FastifyRequest } from 'fastify';
import type { Waiver } from '../service/waiver.js';

/** The service bound to the authenticated caller of a request. */
export type WaiverOf = (request: FastifyRequest) => Waiver;
