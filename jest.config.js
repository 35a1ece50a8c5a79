// jest runs the JavaScript tests as native ES modules (node --experimental-vm-modules), the
// way users import the package; no transform, no loader configuration.
export default {
  testEnvironment: 'node',
  transform: {},
  testMatch: ['<rootDir>/tests/js/**/*.test.js'],
  testTimeout: 120000,
};
