"""GLSL 3.30 sources of the embedded renderer.

Mesa llvmpipe shades every pixel on the CPU and evaluates both sides of branches, so the shaders are
branch-free, low-frequency terms (SH ambient, triplanar weights) are per vertex, and the tone curve, sRGB
encoding and dither happen directly in the sky/object passes into an 8-bit target (no post pass unless
depth of field is on). Alpha carries a log-encoded view depth for the depth-of-field pass.
"""

# A full-screen triangle from gl_VertexID (no vertex buffer) at a given depth in clip space.
FULLSCREEN_VS_TEMPLATE = """
#version 330
out vec2 v_uv;
void main() {
    vec2 p = vec2((gl_VertexID << 1) & 2, gl_VertexID & 2);
    v_uv = p;
    gl_Position = vec4(p * 2.0 - 1.0, DEPTH, 1.0);
}
"""
FULLSCREEN_VS = FULLSCREEN_VS_TEMPLATE.replace('DEPTH', '0.0')
# The sky's triangle at the far plane (depth 1.0): drawn after the object with depth test '<=', it only shades
# the pixels (MSAA samples) the object leaves uncovered - the same values as drawing it first.
SKY_VS = FULLSCREEN_VS_TEMPLATE.replace('DEPTH', '1.0')

# Shared: exposure + ACES-like curve + sRGB + dither; alpha = circle of confusion / max_coc for the DOF pass.
OUTPUT_GLSL = """
uniform float exposure;
uniform float focus;        // focus distance (m)
uniform float coc_k;        // CoC radius in px = coc_k * |z - focus| / z  (0 = all sharp)
uniform float max_coc;      // px
float dither() {
    return (fract(52.9829189 * fract(dot(gl_FragCoord.xy, vec2(0.06711056, 0.00583715)))) - 0.5) / 255.0;
}
vec4 encode_output(vec3 x, float depth) {
    x *= exposure;
    vec3 m = clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
    vec3 srgb = mix(m * 12.92, 1.055 * pow(m, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, m));
    float coc = coc_k * abs(depth - focus) / max(depth, 1e-3);
    return vec4(srgb + dither(), clamp(coc / max_coc, 0.0, 1.0));
}
"""

# The environment seen through the camera: a cube map already tone-mapped to sRGB (cheap on llvmpipe).
SKY_FS = """
#version 330
in vec2 v_uv;
uniform mat3 cam_rot;      // camera-to-world rotation (columns: right, up, back)
uniform vec2 tan_half;     // tan(fov_x / 2), tan(fov_y / 2); y negative = rows top-first
uniform samplerCube sky;
uniform float sky_coc;     // CoC of the sky (at infinity) / max_coc
out vec4 frag;
float dither() {
    return (fract(52.9829189 * fract(dot(gl_FragCoord.xy, vec2(0.06711056, 0.00583715)))) - 0.5) / 255.0;
}
void main() {
    vec3 d = cam_rot * vec3((v_uv * 2.0 - 1.0) * tan_half, -1.0);
    frag = vec4(texture(sky, d).rgb + dither(), sky_coc);
}
"""

OBJECT_VS = """
#version 330
in vec3 in_pos;
in vec3 in_nrm;
in vec2 in_uv;
in float in_slot;
uniform mat4 model;
uniform mat3 normal_mat;
uniform mat4 view_proj;
uniform mat4 light_vp;
uniform vec3 sh[9];         // diffuse radiance SH of the environment (irradiance / pi)
uniform int mat_layer[16];
uniform vec4 mat_props[16]; // texture repeats, roughness, metallic, -
out vec3 v_world;
out vec3 v_nrm;
out vec2 v_uv;
out vec3 v_amb;             // SH ambient, per vertex (it is low-frequency)
out vec4 v_light;
flat out vec4 v_props;      // material of this vertex's slot (looked up per vertex, not per pixel)
flat out float v_layer;

vec3 sh_eval(vec3 n) {
    return sh[0] * 0.282095
         + sh[1] * 0.488603 * n.y + sh[2] * 0.488603 * n.z + sh[3] * 0.488603 * n.x
         + sh[4] * 1.092548 * n.x * n.y + sh[5] * 1.092548 * n.y * n.z
         + sh[6] * 0.315392 * (3.0 * n.z * n.z - 1.0)
         + sh[7] * 1.092548 * n.x * n.z + sh[8] * 0.546274 * (n.x * n.x - n.y * n.y);
}

void main() {
    vec4 w = model * vec4(in_pos, 1.0);
    v_world = w.xyz;
    v_nrm = normalize(normal_mat * in_nrm);
    v_uv = in_uv;
    v_amb = max(sh_eval(v_nrm), vec3(0.0));
    v_light = light_vp * w;
    int slot = int(in_slot + 0.5) & 15;
    v_props = mat_props[slot];
    v_layer = float(mat_layer[slot]);
    gl_Position = view_proj * w;
}
"""

OBJECT_FS = """
#version 330
in vec3 v_world;
in vec3 v_nrm;
in vec2 v_uv;
in vec3 v_amb;
in vec4 v_light;
flat in vec4 v_props;
flat in float v_layer;
uniform vec3 cam_pos;
uniform vec3 cam_fwd;
uniform vec3 sun_dir;       // towards the sun
uniform vec3 sun_rad;       // colour * intensity * scale
uniform vec3 sky_up;        // mean radiance above / below the horizon: a cheap reflected environment
uniform vec3 sky_down;
uniform sampler2DArray albedo_tex;
uniform sampler2DShadow shadow_map;
out vec4 frag;
const float PI = 3.14159265;
""" + OUTPUT_GLSL + """
void main() {
    vec4 props = v_props;
    float layer = v_layer;
    // per-triangle box projection in object space (uv from the loader), so patterns stick to the object
    vec3 albedo = texture(albedo_tex, vec3(v_uv * props.x, layer)).rgb;
    albedo *= albedo;   // textures are stored sRGB-ish: square is a cheap decode to linear
    float rough = props.y;
    float metal = props.z;

    vec3 n = normalize(v_nrm);
    vec3 v = normalize(cam_pos - v_world);
    float flip = step(0.0, dot(n, v)) * 2.0 - 1.0;  // two-sided: open shells shade sensibly
    n *= flip;
    float ndl = max(dot(n, sun_dir), 0.0);
    vec3 lp = v_light.xyz / v_light.w * 0.5 + 0.5;
    float shadow = texture(shadow_map, vec3(lp.xy, lp.z - 0.003));

    vec3 h = normalize(v + sun_dir);
    float ndh = max(dot(n, h), 0.0);
    float ndv = max(dot(n, v), 1e-3);
    float a2 = max(rough * rough * rough * rough, 2e-3);
    float dd = ndh * ndh * (a2 - 1.0) + 1.0;
    float D = a2 / (PI * dd * dd);
    vec3 f0 = mix(vec3(0.04), albedo, metal);
    float q = 1.0 - ndv;
    float fw = q * q * q * q * q;
    float qh = 1.0 - max(dot(h, v), 0.0);
    vec3 F = f0 + (1.0 - f0) * (qh * qh * qh * qh * qh);
    vec3 spec = min(D, 50.0) * 0.25 * F;

    vec3 diffuse = albedo * (1.0 - metal);
    vec3 color = (diffuse + PI * spec) * sun_rad * (ndl * shadow);
    // ambient: SH irradiance (per vertex, flipped side uses the mean) + a rough sky reflection
    vec3 sky_avg = 0.5 * (sky_up + sky_down);
    vec3 amb = flip > 0.0 ? v_amb : sky_avg;
    color += diffuse * amb;
    vec3 r = reflect(-v, n);
    vec3 refl = mix(sky_down, sky_up, smoothstep(-0.15 - rough, 0.15 + rough, r.y));
    vec3 fr = f0 + (max(vec3(1.0 - rough), f0) - f0) * fw;
    color += fr * mix(refl, amb, rough * rough);
    frag = encode_output(color, dot(v_world - cam_pos, cam_fwd));
}
"""

DEPTH_VS = """
#version 330
in vec3 in_pos;
uniform mat4 mvp;
void main() { gl_Position = mvp * vec4(in_pos, 1.0); }
"""

DEPTH_FS = """
#version 330
out vec4 frag;
void main() { frag = vec4(1.0); }
"""

# Depth of field (only drawn for blurred images), step 1 at half resolution: a disk gather sized by the
# circle of confusion.
DOF_FS = """
#version 330
in vec2 v_uv;
uniform sampler2D img;       // tone-mapped sRGB, a = CoC radius / max_coc
uniform float max_coc;
uniform vec2 texel;
out vec4 frag;
// 7 taps on a hexagon read from a mip level matched to the spacing: the mips pre-filter between taps.
const vec2 DISK[6] = vec2[](
    vec2(0.000, 0.800), vec2(0.693, 0.400), vec2(0.693, -0.400),
    vec2(0.000, -0.800), vec2(-0.693, -0.400), vec2(-0.693, 0.400));

void main() {
    vec4 c0 = texture(img, v_uv);
    float r0 = c0.a * max_coc;
    float lod = max(log2(r0 * 0.8), 0.0);
    vec3 acc = textureLod(img, v_uv, lod).rgb;
    float wsum = 1.0;
    for (int i = 0; i < 6; i++) {
        vec2 off = DISK[i] * r0;
        vec4 t = textureLod(img, v_uv + off * texel, lod);
        // a tap counts if it is itself blurred enough to reach this pixel (no sharp-object bleeding)
        float wt = clamp(t.a * max_coc - length(off) + 1.0, 0.0, 1.0);
        acc += t.rgb * wt;
        wsum += wt;
    }
    frag = vec4(acc / wsum, c0.a);
}
"""

# Depth of field, step 2 (full resolution): sharp pixels stay sharp, blurred ones take the half-res gather.
DOF_COMPOSITE_FS = """
#version 330
in vec2 v_uv;
uniform sampler2D img;       // full-resolution image, a = CoC / max_coc
uniform sampler2D blurred;   // half-resolution gather
uniform float max_coc;
out vec4 frag;
void main() {
    vec4 c0 = textureLod(img, v_uv, 0.0);
    vec3 b = texture(blurred, v_uv).rgb;
    frag = vec4(mix(c0.rgb, b, clamp(c0.a * max_coc - 0.5, 0.0, 1.0)), 1.0);
}
"""

# Trivial shader for the raw draw+readback baseline of the throughput benchmark.
TRIVIAL_VS = """
#version 330
in vec3 in_pos;
in vec3 in_nrm;
uniform mat4 mvp;
out vec3 v_nrm;
void main() { v_nrm = in_nrm; gl_Position = mvp * vec4(in_pos, 1.0); }
"""

TRIVIAL_FS = """
#version 330
in vec3 v_nrm;
out vec4 frag;
void main() { frag = vec4(v_nrm * 0.5 + 0.5, 1.0); }
"""
