import { defineConfig } from 'vite';
import { playgroundConfig } from './config.js';

export default defineConfig(playgroundConfig());
