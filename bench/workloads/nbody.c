/* Bench workload (x87): n-body from the Computer Language Benchmarks Game,
 * 2M steps; the conformance copy is test/guest/nbody.c.
 * n-body on the x87:
 * doubles and long doubles, FSQRT, energy printed to 9
 * decimals as the benchmark does. Built -mno-sse, so every operation is x87 code. */
#include <stdio.h>

/* FSQRT directly: no libm, no errno path. */
static inline double sqrt_(double x) { __asm__("fsqrt" : "+t"(x)); return x; }
static inline long double sqrtl_(long double x) { __asm__("fsqrt" : "+t"(x)); return x; }

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

typedef struct { double x, y, z, vx, vy, vz, mass; } body;

static body bodies[5] = {
  {0, 0, 0, 0, 0, 0, SOLAR_MASS},
  {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03 * DAYS_PER_YEAR,
   7.69901118419740425e-03 * DAYS_PER_YEAR, -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
  {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03 * DAYS_PER_YEAR,
   4.99852801234917238e-03 * DAYS_PER_YEAR, 2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
  {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03 * DAYS_PER_YEAR,
   2.37847173959480950e-03 * DAYS_PER_YEAR, -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
  {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03 * DAYS_PER_YEAR,
   1.62824170038242295e-03 * DAYS_PER_YEAR, -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};
#define N 5

static void advance(double dt) {
  for (int i = 0; i < N; i++) {
    body *a = &bodies[i];
    for (int j = i + 1; j < N; j++) {
      body *b = &bodies[j];
      double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
      double d2 = dx * dx + dy * dy + dz * dz;
      double mag = dt / (d2 * sqrt_(d2));
      a->vx -= dx * b->mass * mag; a->vy -= dy * b->mass * mag; a->vz -= dz * b->mass * mag;
      b->vx += dx * a->mass * mag; b->vy += dy * a->mass * mag; b->vz += dz * a->mass * mag;
    }
  }
  for (int i = 0; i < N; i++) {
    body *a = &bodies[i];
    a->x += dt * a->vx; a->y += dt * a->vy; a->z += dt * a->vz;
  }
}

static double energy(void) {
  double e = 0;
  for (int i = 0; i < N; i++) {
    body *a = &bodies[i];
    e += 0.5 * a->mass * (a->vx * a->vx + a->vy * a->vy + a->vz * a->vz);
    for (int j = i + 1; j < N; j++) {
      body *b = &bodies[j];
      double dx = a->x - b->x, dy = a->y - b->y, dz = a->z - b->z;
      e -= a->mass * b->mass / sqrt_(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

static void offset(void) {
  double px = 0, py = 0, pz = 0;
  for (int i = 0; i < N; i++) {
    px += bodies[i].vx * bodies[i].mass; py += bodies[i].vy * bodies[i].mass; pz += bodies[i].vz * bodies[i].mass;
  }
  bodies[0].vx = -px / SOLAR_MASS; bodies[0].vy = -py / SOLAR_MASS; bodies[0].vz = -pz / SOLAR_MASS;
}

/* A long double two-body orbit: exercises FLD/FSTP m80 in the loop. */
static long double orbit(int steps) {
  long double x = 1, y = 0, vx = 0, vy = 1, dt = 0.001L;
  for (int k = 0; k < steps; k++) {
    long double r2 = x * x + y * y;
    long double r3 = r2 * sqrtl_(r2);
    vx -= x / r3 * dt; vy -= y / r3 * dt;
    x += vx * dt; y += vy * dt;
  }
  return x * x + y * y;
}

#ifndef STEPS
#define STEPS 2000000
#endif

int main(void) {
  offset();
  printf("%.9f\n", energy());
  for (int k = 0; k < STEPS; k++) advance(0.01);
  printf("%.9f\n", energy());
  printf("%.9Lf\n", orbit(STEPS / 4));
  return 0;
}
