// Drives the typescript-fetch client generated from openapi.yaml (into ./generated, never edited) against a real
// server: every users and MRI operation, as a consumer would call them. Prints one "ok ..." line per step; any
// surprise throws, and the process exits with 1.
// Usage: node out/driver.js BASE_URL ADMIN_EMAIL ADMIN_PASSWORD IMAGE.png PREFIX
import {
    AuthApi, Configuration, ModelsApi, MriApi, OperationsApi, ResponseError, UsersApi,
    Gender, MriClass, Role, User,
} from './generated';

// Node's own globals, declared here so that the build needs no @types/node
declare const process: { argv: string[]; exit(code: number): never };
declare function require(module: string): any;
const fs = require('fs');

const [baseUrl, adminEmail, adminPassword, imagePath, prefix] = process.argv.slice(2);
const hospital = `${prefix} clinic`;

function check(condition: unknown, what: string): asserts condition {
    if (!condition) {
        throw new Error(`expected ${what}`);
    }
}

function ok(step: string) {
    console.log(`ok ${step}`);
}

/** The call must fail with this status and a problem body the client can read. */
async function expectProblem(status: number, call: () => Promise<unknown>, step: string) {
    try {
        await call();
    } catch (e) {
        check(e instanceof ResponseError, `a ResponseError from ${step}, got ${e}`);
        check(e.response.status === status, `${status} from ${step}, got ${e.response.status}`);
        const problem = await e.response.json();
        check(problem.status === status && typeof problem.detail === 'string', `a problem body from ${step}: ${JSON.stringify(problem)}`);
        ok(`${step}: ${status} ${problem.detail}`);
        return;
    }
    throw new Error(`expected ${status} from ${step}, the call succeeded`);
}

function etag(response: { raw: Response }): string {
    const tag = response.raw.headers.get('ETag');
    check(tag, 'an ETag header');
    return tag;
}

async function main() {
    const operations = new OperationsApi(new Configuration({ basePath: baseUrl }));
    check((await operations.liveness()).status === 'UP', 'liveness UP');
    check((await operations.readiness()).status === 'UP', 'readiness UP');
    ok('health');

    const login = await new AuthApi(new Configuration({ basePath: baseUrl }))
        .login({ loginRequest: { email: adminEmail, password: adminPassword } });
    check(login.tokenType === 'Bearer' && login.expiresIn > 0, 'a bearer token');
    const config = new Configuration({ basePath: baseUrl, accessToken: login.accessToken });
    const users = new UsersApi(config);
    const mri = new MriApi(config);
    ok('login');

    const text = (await (await operations.getContract()).text());
    check(text.startsWith('openapi: 3.1'), 'the contract');
    check((await (await operations.getDocs()).text()).includes('swagger-ui'), 'the documentation page');
    check((await (await operations.getWebPage()).text()).includes('/app/main.js'), 'the web page');
    check((await new OperationsApi(config).metrics()).includes('# TYPE'), 'metrics in the Prometheus format');
    ok('getContract, getDocs, getWebPage, metrics');

    // users, on /users/{user_name}
    const name = `${prefix}-doctor`;
    const created = await users.createUser({ userCreate: {
        userName: name, userEmail: `${name}@clinic.example`, userPassword: 'a long passphrase',
        userHospital: hospital, userRole: Role.Doctor } });
    check(created.userName === name && created.userRole === Role.Doctor && created.createdAt instanceof Date, 'the created user');
    ok('createUser');

    const read = await users.getUserRaw({ userName: name });
    const readTag = etag(read);
    check((await read.value()).id === created.id, 'the same user');
    ok('getUser');

    const page = await users.listUsers({ hospital, role: Role.Doctor, q: prefix, limit: 10, offset: 0 });
    check(page.total === 1 && page.items.length === 1 && page.items[0].userName === name, `one matching user, got ${JSON.stringify(page)}`);
    ok('listUsers with filters');

    const patched = await users.updateUserRaw({ userName: name, userPatch: { userRole: Role.Moderator }, ifMatch: readTag });
    const patchedTag = etag(patched);
    check((await patched.value()).userRole === Role.Moderator, 'the patched role');
    ok('updateUser with If-Match');

    await expectProblem(412, () => users.updateUser({ userName: name, userPatch: { userRole: Role.Doctor }, ifMatch: readTag }),
        'updateUser with a stale If-Match');

    const replaced = await users.replaceUser({ userName: name, ifMatch: patchedTag, userReplace: {
        userEmail: `${name}@clinic.example`, userHospital: hospital, userRole: Role.Doctor } });
    check(replaced.userRole === Role.Doctor, 'the replaced role');
    ok('replaceUser with If-Match');

    // the original API's /user/{user_name}, without If-Match as its clients send
    const legacyReplaced = await users.replaceUserLegacy({ userName: name, userReplace: {
        userEmail: `${name}@clinic.example`, userHospital: hospital, userRole: Role.Technician } });
    check(legacyReplaced.userRole === Role.Technician, 'the role replaced on /user');
    ok('replaceUserLegacy');

    const legacyPatched = await users.updateUserLegacy({ userName: name, userPatch: { userPassword: 'another long passphrase' } });
    check(legacyPatched.version > replaced.version, 'a newer version');
    ok('updateUserLegacy');

    const theirLogin = await new AuthApi(new Configuration({ basePath: baseUrl }))
        .login({ loginRequest: { email: `${name}@clinic.example`, password: 'another long passphrase' } });
    check(theirLogin.accessToken.length > 0, 'the changed password works');
    ok('login with the changed password');

    await expectProblem(412, () => users.deleteUserLegacy({ userName: name, ifMatch: readTag }), 'deleteUserLegacy with a stale If-Match');
    const legacyDeleted: User = await users.deleteUserLegacy({ userName: name });
    check(legacyDeleted.userName === name, 'the deleted user');
    ok('deleteUserLegacy');

    const second = `${prefix}-moderator`;
    await users.createUser({ userCreate: { userName: second, userEmail: `${second}@clinic.example`,
        userPassword: 'a long passphrase', userHospital: hospital, userRole: Role.Moderator } });
    const secondTag = etag(await users.getUserRaw({ userName: second }));
    const deleted = await users.deleteUser({ userName: second, ifMatch: secondTag });
    check(deleted.userName === second, 'the deleted user');
    ok('deleteUser with If-Match');
    await expectProblem(404, () => users.getUser({ userName: second }), 'getUser after deleteUser');

    // MRI rows
    const bytes: Uint8Array<ArrayBuffer> = fs.readFileSync(imagePath);
    const uploaded = await mri.uploadMri({ file: new Blob([bytes], { type: 'image/png' }), gender: Gender.Female,
        hospital, _class: MriClass.Tumor });
    check(uploaded.hospital === hospital && uploaded._class === MriClass.Tumor && uploaded.contentType === 'image/png'
        && uploaded.sizeBytes === bytes.length && uploaded.probability >= 0 && uploaded.probability <= 1
        && (uploaded.prediction === MriClass.Tumor || uploaded.prediction === MriClass.Healthy), `the uploaded row, got ${JSON.stringify(uploaded)}`);
    ok(`uploadMri (multipart): ${uploaded.prediction} ${uploaded.probability}`);
    const id = uploaded.id;

    const row = await mri.getMriRaw({ id });
    const rowTag = etag(row);
    check((await row.value()).imageSha256 === uploaded.imageSha256, 'the same row');
    ok('getMri');

    const image = new Uint8Array(await (await mri.getMriImage({ id })).arrayBuffer());
    check(image.length === bytes.length && image.every((b, i) => b === bytes[i]), 'the image bytes exactly as uploaded');
    ok('getMriImage');

    const heatmap = new Uint8Array(await (await mri.getMriHeatmap({ id, raw: true })).arrayBuffer());
    check(heatmap.length > 8 && heatmap[1] === 0x50 && heatmap[2] === 0x4e && heatmap[3] === 0x47, 'the raw heat map, a PNG');
    ok('getMriHeatmap');

    const rows = await mri.listMri({ hospital, gender: Gender.Female, _class: 'tumor', prediction: uploaded.prediction,
        from: new Date(Date.now() - 3600_000), to: new Date(Date.now() + 3600_000), limit: 10, unfamiliar: uploaded.unfamiliar });
    check(rows.items.length === 1 && rows.items[0].id === id && rows.summary?.total === 1, `one matching row, got ${JSON.stringify(rows)}`);
    ok('listMri with filters');

    const exported = await (await mri.exportMriRaw({ hospital, format: 'csv' })).raw.text();
    check(exported.split('\r\n')[1]?.startsWith(id), `the exported row first, got ${exported}`);
    ok('exportMri (csv)');

    await expectProblem(428, () => mri.updateMri({ id, mriPatch: { _class: MriClass.Healthy } }), 'updateMri without If-Match');
    const changed = await mri.updateMriRaw({ id, mriPatch: { _class: MriClass.Healthy }, ifMatch: rowTag });
    const changedTag = etag(changed);
    check((await changed.value())._class === MriClass.Healthy, 'the changed class');
    ok('updateMri with If-Match');
    await expectProblem(412, () => mri.updateMri({ id, mriPatch: { gender: Gender.Male }, ifMatch: rowTag }), 'updateMri with a stale If-Match');

    const replacedRow = await mri.replaceMriRaw({ id, ifMatch: changedTag, mriReplace: { gender: Gender.Male, _class: null, hospital } });
    check(etag(replacedRow) !== changedTag, 'a new ETag');
    const replacedValue = await replacedRow.value();
    check(replacedValue.gender === Gender.Male && replacedValue._class == null, `the replaced row, got ${JSON.stringify(replacedValue)}`);
    ok('replaceMri with If-Match');

    const classifiedRow = await mri.classifyMriRaw({ id });
    const classifiedTag = etag(classifiedRow);
    const classified = await classifiedRow.value();
    check(classified.prediction === uploaded.prediction && classified.modelVersion === uploaded.modelVersion, 'the same answer again');
    ok('classifyMri');

    const models = new ModelsApi(config);
    const active = (await models.listModels()).items.find(m => m.active);
    check(active, 'an active model');
    ok('listModels');
    check((await models.activateModel({ version: active.version })).active, 'the model still active');
    ok('activateModel (the active one again)');
    const performance = await models.getModelPerformance({ version: active.version, hospital });
    check(performance.confirmed.n >= 0 && Array.isArray(performance.predictionMix.byDay), `the figures, got ${JSON.stringify(performance)}`);
    ok('getModelPerformance');
    await expectProblem(422, () => models.uploadModel({ bundle: new Blob([new TextEncoder().encode('not a zip')], { type: 'application/zip' }) }),
        'uploadModel with a file that is not a zip');

    await expectProblem(412, () => mri.deleteMri({ id, ifMatch: rowTag }), 'deleteMri with a stale If-Match');
    await mri.deleteMri({ id, ifMatch: classifiedTag });
    ok('deleteMri with If-Match');
    await expectProblem(404, () => mri.getMri({ id }), 'getMri after deleteMri');
}

main().then(() => console.log('done'), error => {
    console.error(`FAILED: ${error instanceof Error ? error.stack : error}`);
    process.exit(1);
});
