/* The CDLKernels fp32 and int8 GEMMs at every level the CPU has, against plain C loops
 * (fp32 within 1e-4·(k+1), int8 bit-exact). Built for aarch64 by run.sh and run under qemu. */
#include "dlk_kernels.h"
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
static void ref(int ta,int tb,size_t m,size_t n,size_t k,float al,const float*a,size_t lda,const float*b,size_t ldb,float be,float*c,size_t ldc){
 for(size_t i=0;i<m;i++)for(size_t j=0;j<n;j++){double s=0;for(size_t p=0;p<k;p++){float av=ta?a[p*lda+i]:a[i*lda+p];float bv=tb?b[j*ldb+p]:b[p*ldb+j];s+=(double)av*bv;}
 c[i*ldc+j]=al*s+(be==0?0:be*c[i*ldc+j]);}}
int main(){
 int sizes[]={1,3,7,17,63,65}; int isas[]={0,1,2,3,10,11}; int bad=0,cases=0;
 printf("detected %s\n", dlk_isa_name(dlk_isa_detected()));
 for(int ii=0;ii<6;ii++){ int isa=isas[ii]; if(dlk_isa_force(isa)) continue; printf("level %s\n", dlk_isa_name(isa));
 for(int si=0;si<6;si++)for(int sj=0;sj<6;sj++)for(int sk=0;sk<6;sk+=2)for(int t=0;t<4;t++)for(int pk=0;pk<2;pk++){
  void*p=NULL;
  size_t m=sizes[si],n=sizes[sj],k=sizes[sk]; int ta=t&1,tb=t>>1; size_t lda=(ta?m:k)+3, ldb=(tb?k:n)+1, ldc=n+2;
  float*a=malloc(4*lda*(ta?k:m)),*b=malloc(4*ldb*(tb?n:k)),*c=malloc(4*ldc*m),*c2=malloc(4*ldc*m);
  for(size_t i=0;i<lda*(ta?k:m);i++)a[i]=rand()/(float)RAND_MAX-.5f; for(size_t i=0;i<ldb*(tb?n:k);i++)b[i]=rand()/(float)RAND_MAX-.5f;
  for(size_t i=0;i<ldc*m;i++)c[i]=c2[i]=rand()/(float)RAND_MAX;
  ref(ta,tb,m,n,k,1.5f,a,lda,b,ldb,0.5f,c2,ldc);
  if(!pk) dlk_sgemm(ta,tb,m,n,k,1.5f,a,lda,b,ldb,0.5f,c,ldc,2);
  else { posix_memalign(&p,64,dlk_sgemm_packed_size(k,n)); dlk_sgemm_pack_b(tb,k,n,b,ldb,p); dlk_sgemm_packed(ta,m,n,k,1.5f,a,lda,p,0.5f,c,ldc,2); free(p);}
  double md=0; for(size_t i=0;i<m;i++)for(size_t j=0;j<n;j++){double d=fabs(c[i*ldc+j]-c2[i*ldc+j]); if(d>md)md=d;}
  if(md>1e-4*(k+1)) { if(bad++<5) printf("BAD f32 isa%d %zu %zu %zu t%d pk%d %g\n",isa,m,n,k,t,pk,md);} cases++;
  free(a);free(b);free(c);free(c2);}
 for(int si=0;si<6;si++)for(int sj=0;sj<6;sj++)for(int sk=0;sk<6;sk++)for(int tb=0;tb<2;tb++){
  size_t m=sizes[si],n=sizes[sj],k=sizes[sk]; size_t lda=k+5, ldb=(tb?k:n)+3, ldc=n+1;
  int8_t*a=malloc(m*lda),*b=malloc(ldb*(tb?n:k)); for(size_t i=0;i<m*lda;i++)a[i]=rand()%256-128; for(size_t i=0;i<ldb*(tb?n:k);i++)b[i]=rand()%255-127;
  int32_t za=rand()%256-128; int32_t*bias=malloc(4*n); float*sc=malloc(4*n);
  for(size_t j=0;j<n;j++){bias[j]=rand()%2000-1000; sc[j]=(rand()%1000+1)*1e-4f;}
  void*pb=NULL; if(posix_memalign(&pb,64,dlk_igemm_packed_size(k,n))) return 2; dlk_igemm_pack_b(tb,k,n,b,ldb,pb);
  int32_t*c32=malloc(4*m*ldc); int8_t*c8=malloc(m*ldc);
  dlk_out_stage st={.kind=DLK_OUT_INT32,.bias32=bias,.scale=sc,.per_channel=1,.zero_point=5,.qmin=-128,.qmax=127};
  dlk_igemm_packed(m,n,k,a,lda,za,pb,&st,c32,ldc,2);
  st.kind=DLK_OUT_REQUANT; dlk_igemm_packed(m,n,k,a,lda,za,pb,&st,c8,ldc,2);
  for(size_t i=0;i<m;i++)for(size_t j=0;j<n;j++){int32_t s=bias[j];for(size_t p=0;p<k;p++)s+=(a[i*lda+p]-za)*(tb?b[j*ldb+p]:b[p*ldb+j]);
    float y=(float)s*sc[j]; y=y<-133?-133:(y>122?122:y); int q=(int)rintf(y)+5;
    if(c32[i*ldc+j]!=s||c8[i*ldc+j]!=q){ if(bad++<5)printf("BAD i8 isa%d %zu %zu %zu: %d/%d %d/%d\n",isa,m,n,k,c32[i*ldc+j],s,c8[i*ldc+j],q);}}
  cases++; free(a);free(b);free(bias);free(sc);free(pb);free(c32);free(c8);}
 }
 printf("cases=%d bad=%d\n",cases,bad); return bad!=0;
}
