/**
 * What the network front ends share: the TCP listener ({@link dev.nereid.frontend.NettyListener}), API
 * categories and their header restrictions ({@link dev.nereid.frontend.RestrictedApis}), and the
 * classification extension ({@link dev.nereid.frontend.Classification}).
 */
package dev.nereid.frontend;
